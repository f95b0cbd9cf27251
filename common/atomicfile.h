/*
 * atomicfile.h - writing a whole file so that a reader sees the old content
 * or the new, never a part: the bytes go to a temporary file in the same
 * directory (same file system, so rename() is atomic), are synced to disk,
 * get their mode, and the temporary file is renamed over the target.
 *
 * Invariants:
 *   - On success the target holds exactly the given bytes with exactly the
 *     given mode (the umask plays no part) and no temporary file is left.
 *   - On any failure the target is untouched (its old content, or still
 *     missing) and the temporary file has been removed.
 *   - The temporary file is named TARGET.XXXXXX (mkstemp): it is never one a
 *     concurrent writer of the same target uses too.
 *   - The data is fsync()ed before the rename; the directory is not, so after
 *     a crash the rename itself may be lost (old content), never the data.
 *
 * Errors: -1 with errno from the call that failed (mkstemp, write, fsync,
 * fchmod, close, rename); ENAMETOOLONG when the temporary name does not fit.
 */
#ifndef CMON_ATOMICFILE_H
#define CMON_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* The mode of a file others may read, for callers with no reason to pick one. */
#define ATOMICFILE_MODE 0644

/*
 * atomicfile_write() - replaces path with the len bytes at data (len may be
 * 0), with permission bits mode. Returns 0, or -1 with errno (see above).
 */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);

/*
 * atomicfile_replace() - atomicfile_write() without the fsync(), for files
 * rewritten often that need not outlive a crash of the machine (the
 * engine's clock file at every step of virtual time, the fake libzfs state):
 * readers still see the old bytes or the new, never a part.
 */
int atomicfile_replace(const char *path, const void *data, size_t len, mode_t mode);

#endif /* CMON_ATOMICFILE_H */
