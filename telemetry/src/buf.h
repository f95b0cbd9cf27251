/* buf: a growable byte buffer (NUL-terminated text), the exposition and
 * JSON5 converter write into it.
 *
 * Invariant: after buf_init, b_data is never NULL and b_data[b_len] == 0.
 * Allocation failure aborts (these buffers are small and the program cannot
 * do anything useful without memory). */
#ifndef TELEMETRY_BUF_H
#define TELEMETRY_BUF_H

#include <stddef.h>

struct buf {
    char *b_data;
    size_t b_len;
    size_t b_cap;
};

/* buf_init: empty buffer with room for `hint` bytes. */
void buf_init(struct buf *b, size_t hint);
/* buf_release: frees the storage; the buffer must be re-initialised to reuse. */
void buf_release(struct buf *b);
/* buf_detach: hands the storage (NUL-terminated) to the caller, who frees it;
 * the buffer is left empty and re-initialised. */
char *buf_detach(struct buf *b, size_t *len);
/* buf_reserve: makes room for `n` more bytes. */
void buf_reserve(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
/* buf_addf: printf-style append. */
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);

#endif
