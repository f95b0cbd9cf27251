/*
 * world_lock.c - one writer per world path: the lock beside the world, and
 * removing a world with its side files.
 *
 * The protocol (world.h): the holder has a POSIX write lock on the whole of
 * PATH.lock. The world itself cannot carry the lock: world_create() builds
 * a new file and renames it over PATH, so a lock on the old file would
 * guard nothing, and two writers could each check the old file and rename
 * their own over it. PATH.lock is created once and never replaced while
 * held; taking it is one F_SETLK, atomic in the kernel.
 *
 * The holder removes PATH.lock when it stops. A taker may have opened the
 * file just before that and get the lock on the removed file after the
 * holder closes it, while a third process creates a new PATH.lock and locks
 * that: two holders. So a taker checks, once it holds the lock, that
 * PATH.lock is still the file it locked (same device and inode), and starts
 * again when it is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "world_shm.h"
#include "world_ntp.h" /* WORLD_NTP_SUFFIX */
#include "world_zfs.h" /* WORLD_ZFS_SUFFIX */

#define WORLD_LOCK_SUFFIX ".lock"
#define WORLD_LOCK_TRIES 100

struct world_lock {
    char *wl_path; /* PATH.lock */
    char *wl_world;
    int wl_fd;
};

/* "path" + suffix into buf; -1 ENAMETOOLONG. */
static int
world_side_path(const char *path, const char *suffix, char *buf, size_t len)
{
    if (snprintf(buf, len, "%s%s", path, suffix) >= (int)len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int
world_unlink(const char *path)
{
    char side[4096];
    int rc = 0, e = 0;

    if (unlink(path) != 0 && errno != ENOENT)
        rc = -1, e = errno;
    if (world_side_path(path, WORLD_ZFS_SUFFIX, side, sizeof(side)) == 0 && unlink(side) != 0 &&
        errno != ENOENT && rc == 0)
        rc = -1, e = errno;
    if (world_side_path(path, WORLD_NTP_SUFFIX, side, sizeof(side)) == 0 && unlink(side) != 0 &&
        errno != ENOENT && rc == 0)
        rc = -1, e = errno;
    errno = e;
    return rc;
}

/* Non-zero when path names the file open at fd (same device and inode). */
static int
world_same_file(const char *path, int fd)
{
    struct stat a, b;

    return stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/* The pid holding a write lock on fd's file, or 0 when it is free now. */
static pid_t
world_lock_holder(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

    if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
        return 0;
    return fl.l_pid;
}

/*
 * One try: 1 locked (fd kept in l), 0 lost a race (try again), -1 failed
 * (errno; EBUSY with *holder).
 */
static int
world_lock_try(world_lock_t *l, pid_t *holder)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int fd = open(l->wl_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    pid_t pid;

    if (fd < 0)
        return -1;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        pid = e == EAGAIN || e == EACCES ? world_lock_holder(fd) : 0;
        close(fd);
        if (pid > 0 && holder != NULL)
            *holder = pid;
        errno = pid > 0 ? EBUSY : e;
        return pid > 0 || (e != EAGAIN && e != EACCES) ? -1 : 0;
    }
    if (!world_same_file(l->wl_path, fd)) {
        close(fd); /* a file its holder removed: start again */
        return 0;
    }
    l->wl_fd = fd;
    return 1;
}

/* The holder's pid in the file, for people (cat PATH.lock); the lock does not need it. */
static void
world_lock_note_pid(int fd)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

    if (ftruncate(fd, 0) == 0)
        (void)!pwrite(fd, line, (size_t)n, 0);
}

static void
world_lock_free(world_lock_t *l)
{
    if (l->wl_fd >= 0)
        close(l->wl_fd);
    free(l->wl_path);
    free(l->wl_world);
    free(l);
}

world_lock_t *
world_lock_take(const char *path, pid_t *holder)
{
    char lockpath[4096];
    world_lock_t *l;
    int rc = 0;

    if (world_side_path(path, WORLD_LOCK_SUFFIX, lockpath, sizeof(lockpath)) != 0)
        return NULL;
    if ((l = calloc(1, sizeof(*l))) == NULL)
        return NULL;
    l->wl_fd = -1;
    l->wl_path = strdup(lockpath);
    l->wl_world = strdup(path);
    for (int i = 0; l->wl_path != NULL && l->wl_world != NULL && i < WORLD_LOCK_TRIES; i++)
        if ((rc = world_lock_try(l, holder)) != 0)
            break;
    if (rc != 1) {
        int e = l->wl_path == NULL || l->wl_world == NULL ? ENOMEM : rc == 0 ? EAGAIN : errno;
        world_lock_free(l);
        errno = e;
        return NULL;
    }
    world_lock_note_pid(l->wl_fd);
    return l;
}

void
world_lock_release(world_lock_t *l, const world_t *w)
{
    int saved = errno;

    if (l == NULL)
        return;
    if (w != NULL && w->w_fd >= 0 && world_same_file(l->wl_world, w->w_fd))
        world_unlink(l->wl_world);
    if (world_same_file(l->wl_path, l->wl_fd))
        unlink(l->wl_path); /* while still held: see the protocol above */
    world_lock_free(l);
    errno = saved;
}
