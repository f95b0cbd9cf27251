/*
 * world_sidefile.h - the state a world keeps beside its mapping, in a file of
 * its own: PATH<suffix> (PATH.zfs, PATH.ntp), for what tools outside the
 * world's writer may change (the fake libzfs, cmon-sim's Lua API). The file is
 * one record behind a header of magic, version and size, always replaced
 * whole (written beside, then renamed: atomicfile), so a reader sees the old
 * record or the new one, never a mix. Private to sim/.
 */
#ifndef CMON_WORLD_SIDEFILE_H
#define CMON_WORLD_SIDEFILE_H

#include <stddef.h>
#include <stdint.h>

/* world_sidefile_path() - PATH<suffix> into buf; 0, or -1 (ENAMETOOLONG). */
int world_sidefile_path(const char *world_path, const char *suffix, char *buf, size_t len);

/*
 * world_sidefile_read() - the record of size bytes into rec (untouched unless
 * the header is of this magic, version and size). 0 read; 1 there
 * is no such file (the caller's defaults hold); -1 with errno: EINVAL when the
 * file is no record of this magic, version and size, else open's or read's.
 */
int world_sidefile_read(const char *world_path, const char *suffix, uint64_t magic,
                        uint32_t version, void *rec, size_t size);

/* world_sidefile_write() - replaces the file with rec (size bytes). 0 or -1 (errno). */
int world_sidefile_write(const char *world_path, const char *suffix, uint64_t magic,
                         uint32_t version, const void *rec, size_t size);

/* world_sidefile_remove() - removes the file; none is fine. 0 or -1 (errno). */
int world_sidefile_remove(const char *world_path, const char *suffix);

#endif
