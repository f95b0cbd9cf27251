/* world_sidefile - a world's side files (world_sidefile.h). */
#include "world_sidefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

/* What precedes the record. */
typedef struct sidefile_hdr {
    uint64_t sh_magic;
    uint32_t sh_version;
    uint32_t sh_size; /* header and record */
} sidefile_hdr_t;

int
world_sidefile_path(const char *world_path, const char *suffix, char *buf, size_t len)
{
    if (snprintf(buf, len, "%s%s", world_path, suffix) >= (int)len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* Non-zero (fd closed, errno EINVAL) when fd is not a regular file: a FIFO, a directory. */
static int
sidefile_not_regular(int fd)
{
    struct stat st;

    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        return 0;
    close(fd);
    errno = EINVAL;
    return 1;
}

int
world_sidefile_read(const char *world_path, const char *suffix, uint64_t magic, uint32_t version,
                    void *rec, size_t size)
{
    char path[PATH_MAX];
    sidefile_hdr_t h;
    if (world_sidefile_path(world_path, suffix, path, sizeof(path)) != 0)
        return -1;
    /* O_NONBLOCK: a FIFO put there must not block the reader in open() */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 1 : -1;
    if (sidefile_not_regular(fd))
        return -1;
    /* the header first: rec is written only with a record of this kind */
    ssize_t n = pread(fd, &h, sizeof(h), 0);
    int ours = n == (ssize_t)sizeof(h) && h.sh_magic == magic && h.sh_version == version &&
               h.sh_size == sizeof(h) + size;
    ssize_t m = ours ? pread(fd, rec, size, sizeof(h)) : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    if (n < 0 || m < 0)
        return -1;
    if (!ours || m != (ssize_t)size) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int
world_sidefile_write(const char *world_path, const char *suffix, uint64_t magic, uint32_t version,
                     const void *rec, size_t size)
{
    char path[PATH_MAX];
    if (world_sidefile_path(world_path, suffix, path, sizeof(path)) != 0)
        return -1;
    char *buf = malloc(sizeof(sidefile_hdr_t) + size);
    if (buf == NULL)
        return -1;
    sidefile_hdr_t h = {magic, version, (uint32_t)(sizeof(h) + size)};
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), rec, size);
    int rc = atomicfile_replace(path, buf, sizeof(h) + size, ATOMICFILE_MODE);
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

int
world_sidefile_remove(const char *world_path, const char *suffix)
{
    char path[PATH_MAX];
    if (world_sidefile_path(world_path, suffix, path, sizeof(path)) != 0)
        return -1;
    return unlink(path) != 0 && errno != ENOENT ? -1 : 0;
}
