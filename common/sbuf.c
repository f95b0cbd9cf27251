/* sbuf - a growable byte buffer. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets the capacity to cap bytes (more than sb_len). 0, or -1 (sb_oom set). */
static int
sbuf_realloc(sbuf_t *sb, size_t cap)
{
    char *p = realloc(sb->sb_buf, cap);
    if (p == NULL) {
        sb->sb_oom = 1;
        return -1;
    }
    sb->sb_buf = p;
    sb->sb_cap = cap;
    return 0;
}

int
sbuf_init(sbuf_t *sb, size_t hint)
{
    *sb = (sbuf_t)SBUF_INIT;
    if (hint > (size_t)-1 / 4) {
        sb->sb_oom = 1;
        return -1;
    }
    if (sbuf_realloc(sb, hint + 1) != 0) /* exactly: many small buffers stay small */
        return -1;
    sb->sb_buf[0] = '\0';
    return 0;
}

int
sbuf_grow_slow(sbuf_t *sb, size_t extra)
{
    if (sb->sb_oom)
        return -1;
    if (sb->sb_len + extra + 1 <= sb->sb_cap)
        return 0;
    if (extra > (size_t)-1 / 4 - sb->sb_len) { /* the doubling below would overflow */
        sb->sb_oom = 1;
        return -1;
    }
    size_t cap = sb->sb_cap ? sb->sb_cap : 256;
    while (cap < sb->sb_len + extra + 1)
        cap *= 2;
    return sbuf_realloc(sb, cap);
}

void
sbuf_add(sbuf_t *sb, const void *data, size_t len)
{
    if (sbuf_grow(sb, len) != 0)
        return;
    memcpy(sb->sb_buf + sb->sb_len, data, len);
    sb->sb_len += len;
    sb->sb_buf[sb->sb_len] = '\0';
}

void
sbuf_adds(sbuf_t *sb, const char *s)
{
    sbuf_add(sb, s, strlen(s));
}

void
sbuf_addc(sbuf_t *sb, char c)
{
    if (sbuf_grow(sb, 1) != 0)
        return;
    sb->sb_buf[sb->sb_len++] = c;
    sb->sb_buf[sb->sb_len] = '\0';
}

void
sbuf_addf(sbuf_t *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        sbuf_add(sb, tmp, (size_t)n);
        return;
    }
    if (sbuf_grow(sb, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->sb_buf + sb->sb_len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->sb_len += (size_t)n;
}

void
sbuf_setlen(sbuf_t *sb, size_t len)
{
    if (sb->sb_buf == NULL || len > sb->sb_len)
        return;
    sb->sb_len = len;
    sb->sb_buf[len] = '\0';
}

int
sbuf_failed(const sbuf_t *sb)
{
    return sb->sb_oom;
}

void
sbuf_reset(sbuf_t *sb)
{
    sb->sb_len = 0;
    sb->sb_oom = 0;
    if (sb->sb_buf != NULL)
        sb->sb_buf[0] = '\0';
}

char *
sbuf_detach(sbuf_t *sb, size_t *len)
{
    char *p = sb->sb_buf;
    if (len != NULL)
        *len = sb->sb_len;
    *sb = (sbuf_t)SBUF_INIT;
    return p;
}

void
sbuf_release(sbuf_t *sb)
{
    free(sb->sb_buf);
    *sb = (sbuf_t)SBUF_INIT;
}
