/* atomicfile.c - whole-file writes by rename (see atomicfile.h). */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes all of data to fd, across short writes and signals; 0 or -1. */
static int
atomicfile_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? (errno = EIO, -1) : -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Fills the temporary file fd: data, mode, synced, closed. 0 or -1; fd is
 * closed either way. */
static int
atomicfile_fill(int fd, const void *data, size_t len, mode_t mode, int sync)
{
    int rc = 0;
    if (atomicfile_write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 ||
        (sync && fsync(fd) != 0))
        rc = -1;
    int err = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = err;
    return rc;
}

static int
atomicfile_put(const char *path, const void *data, size_t len, mode_t mode, int sync)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return errno = ENAMETOOLONG, -1;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (atomicfile_fill(fd, data, len, mode, sync) != 0 || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        errno = err;
        return -1;
    }
    return 0;
}

int
atomicfile_write(const char *path, const void *data, size_t len, mode_t mode)
{
    return atomicfile_put(path, data, len, mode, 1);
}

int
atomicfile_replace(const char *path, const void *data, size_t len, mode_t mode)
{
    return atomicfile_put(path, data, len, mode, 0);
}
