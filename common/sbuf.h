/*
 * sbuf - a growable byte buffer (after git's strbuf), the one buffer of
 * every program: expositions, HTTP bodies, JSON, names.
 *
 * Invariants: sb_buf is NULL only before the first append (or sbuf_init())
 * and after sbuf_detach() or sbuf_release(); when not NULL it is
 * NUL-terminated at sb_len. Allocation failure is sticky: sb_oom is set,
 * later appends do nothing, and the caller checks sbuf_failed() once at the
 * end, where the text is used (a failed buffer holds a truncated text).
 */
#ifndef CMON_SBUF_H
#define CMON_SBUF_H

#include <stddef.h>

typedef struct sbuf {
    char *sb_buf;
    size_t sb_len;
    size_t sb_cap;
    int sb_oom;
} sbuf_t;

#define SBUF_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/*
 * sbuf_init() - an empty buffer holding "", with room for exactly hint more
 * bytes (a buffer appended to without it starts at 256 bytes), so that
 * sb_buf is a string from the start. 0, or -1 (sb_oom set, sb_buf NULL).
 */
int sbuf_init(sbuf_t *sb, size_t hint);

/* sbuf_grow_slow() - the allocating part of sbuf_grow(). */
int sbuf_grow_slow(sbuf_t *sb, size_t extra);

/* sbuf_grow() - makes room for extra more bytes. 0, or -1 (sb_oom set). */
static inline int
sbuf_grow(sbuf_t *sb, size_t extra)
{
    if (sb->sb_len + extra + 1 <= sb->sb_cap && !sb->sb_oom)
        return 0;
    return sbuf_grow_slow(sb, extra);
}

/* sbuf_add() - appends len bytes of data. */
void sbuf_add(sbuf_t *sb, const void *data, size_t len);

/* sbuf_adds() - appends a NUL-terminated string. */
void sbuf_adds(sbuf_t *sb, const char *s);

/* sbuf_addc() - appends one byte. */
void sbuf_addc(sbuf_t *sb, char c);

/* sbuf_addf() - appends printf-style formatted text. */
void sbuf_addf(sbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * sbuf_setlen() - cuts the text to its first len bytes (len <= sb_len; a
 * buffer never appended to is left alone) and NUL-terminates it there.
 */
void sbuf_setlen(sbuf_t *sb, size_t len);

/* sbuf_failed() - non-zero when an allocation failed since init/reset. */
int sbuf_failed(const sbuf_t *sb);

/* sbuf_reset() - empties the buffer, keeping its memory; clears sb_oom. */
void sbuf_reset(sbuf_t *sb);

/*
 * sbuf_detach() - hands the buffer (malloc'd, NULL when nothing was ever
 * appended) to the caller, who frees it; *len (when len is not NULL) gets
 * its length. The buffer is left as SBUF_INIT.
 */
char *sbuf_detach(sbuf_t *sb, size_t *len);

/* sbuf_release() - frees the memory and re-initialises the buffer. */
void sbuf_release(sbuf_t *sb);

#endif
