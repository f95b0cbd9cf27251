/* buf: growable byte buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
buf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (q == NULL) {
        fprintf(stderr, "cmon-telemetry: out of memory\n");
        abort();
    }
    return q;
}

void
buf_init(struct buf *b, size_t hint)
{
    b->b_cap = hint < 16 ? 16 : hint;
    b->b_data = buf_xrealloc(NULL, b->b_cap);
    b->b_len = 0;
    b->b_data[0] = 0;
}

void
buf_release(struct buf *b)
{
    free(b->b_data);
    b->b_data = NULL;
    b->b_len = b->b_cap = 0;
}

char *
buf_detach(struct buf *b, size_t *len)
{
    char *d = b->b_data;
    if (len != NULL)
        *len = b->b_len;
    buf_init(b, 16);
    return d;
}

void
buf_reserve(struct buf *b, size_t n)
{
    if (b->b_len + n + 1 <= b->b_cap)
        return;
    size_t cap = b->b_cap * 2;
    while (cap < b->b_len + n + 1)
        cap *= 2;
    b->b_data = buf_xrealloc(b->b_data, cap);
    b->b_cap = cap;
}

void
buf_add(struct buf *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->b_data + b->b_len, data, n);
    b->b_len += n;
    b->b_data[b->b_len] = 0;
}

void
buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->b_data[b->b_len++] = c;
    b->b_data[b->b_len] = 0;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= b->b_cap - b->b_len) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->b_data + b->b_len, b->b_cap - b->b_len, fmt, ap);
        va_end(ap);
    }
    b->b_len += (size_t)n;
}

void
buf_reset(struct buf *b)
{
    b->b_len = 0;
    b->b_data[0] = 0;
}
