/* sbuf - a growable byte buffer. */
#include "sbuf.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
sbuf_grow_slow(sbuf_t *sb, size_t extra)
{
    if (sb->sb_oom)
        return -1;
    if (sb->sb_len + extra + 1 <= sb->sb_cap)
        return 0;
    size_t cap = sb->sb_cap ? sb->sb_cap : 256;
    while (cap < sb->sb_len + extra + 1)
        cap *= 2;
    char *p = realloc(sb->sb_buf, cap);
    if (p == NULL) {
        sb->sb_oom = 1;
        return -1;
    }
    sb->sb_buf = p;
    sb->sb_cap = cap;
    return 0;
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
sbuf_addu64(sbuf_t *sb, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sbuf_add(sb, tmp + i, sizeof(tmp) - i);
}

void
sbuf_addi64(sbuf_t *sb, int64_t v)
{
    if (v < 0) {
        sbuf_addc(sb, '-');
        sbuf_addu64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        sbuf_addu64(sb, (uint64_t)v);
    }
}

void
sbuf_adddbl(sbuf_t *sb, double v)
{
    if (isnan(v)) {
        sbuf_adds(sb, "NaN");
        return;
    }
    if (isinf(v)) {
        sbuf_adds(sb, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    sbuf_adds(sb, tmp);
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
    sb->sb_buf = NULL;
    sb->sb_len = sb->sb_cap = 0;
    sb->sb_oom = 0;
    return p;
}

void
sbuf_release(sbuf_t *sb)
{
    free(sb->sb_buf);
    sb->sb_buf = NULL;
    sb->sb_len = sb->sb_cap = 0;
    sb->sb_oom = 0;
}

void
sbuf_adddec(sbuf_t *sb, uint64_t v, unsigned exp)
{
    uint64_t p = 1;
    for (unsigned i = 0; i < exp && i < 19; i++)
        p *= 10;
    sbuf_addu64(sb, v / p);
    uint64_t frac = v % p;
    if (frac == 0)
        return;
    char digits[20];
    unsigned n = exp < 19 ? exp : 19;
    for (unsigned i = n; i-- > 0;) {
        digits[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    while (n > 0 && digits[n - 1] == '0')
        n--;
    sbuf_addc(sb, '.');
    sbuf_add(sb, digits, n);
}
