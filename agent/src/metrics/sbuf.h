/*
 * sbuf - a growable byte buffer (after git's strbuf).
 *
 * Invariants: sb_buf is NULL only before the first append or after
 * sbuf_detach(); when not NULL it is NUL-terminated at sb_len. Allocation
 * failure is sticky: sb_oom is set, later appends do nothing, and the
 * caller checks sbuf_failed() once at the end.
 */
#ifndef CMON_AGENT_SBUF_H
#define CMON_AGENT_SBUF_H

#include <stddef.h>
#include <stdint.h>

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

/* sbuf_addu64() - appends the decimal form of v. */
void sbuf_addu64(sbuf_t *sb, uint64_t v);

/* sbuf_addi64() - appends the decimal form of v. */
void sbuf_addi64(sbuf_t *sb, int64_t v);

/*
 * sbuf_adddbl() - appends v in the shortest "%.*g" form that reads back as
 * the same double; NaN, +Inf and -Inf as Prometheus spells them.
 */
void sbuf_adddbl(sbuf_t *sb, double v);

/*
 * sbuf_adddec() - appends v / 10^exp (exp <= 19) as an exact decimal, without
 * trailing zeros: 1500, 3 gives "1.5"; 7, 9 gives "0.000000007".
 */
void sbuf_adddec(sbuf_t *sb, uint64_t v, unsigned exp);

/* sbuf_addf() - appends printf-style formatted text. */
void sbuf_addf(sbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sbuf_failed() - non-zero when an allocation failed since init/reset. */
int sbuf_failed(const sbuf_t *sb);

/* sbuf_reset() - empties the buffer, keeping its memory; clears sb_oom. */
void sbuf_reset(sbuf_t *sb);

/* sbuf_detach() - hands the buffer (malloc'd, may be NULL) to the caller. */
char *sbuf_detach(sbuf_t *sb, size_t *len);

/* sbuf_release() - frees the memory and re-initialises the buffer. */
void sbuf_release(sbuf_t *sb);

#endif
