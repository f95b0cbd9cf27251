/* gzip - a gzip member of a buffer, by libdeflate. */
#include "gzip.h"

#include <errno.h>
#include <libdeflate.h>

int
gzip_compress(const void *in, size_t len, sbuf_t *out)
{
    /* Level 1. A compressor is made for each buffer: it holds no state
       between calls, and costs less than zlib's deflateInit2 did. */
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    if (c == NULL) {
        errno = ENOMEM;
        return -1;
    }
    size_t bound = libdeflate_gzip_compress_bound(c, len);
    if (sbuf_grow(out, bound) != 0) {
        libdeflate_free_compressor(c);
        errno = ENOMEM;
        return -1;
    }
    size_t n = libdeflate_gzip_compress(c, in, len, out->sb_buf + out->sb_len, bound);
    libdeflate_free_compressor(c);
    if (n == 0) { /* no room: cannot happen within the bound */
        errno = ENOMEM;
        return -1;
    }
    out->sb_len += n;
    out->sb_buf[out->sb_len] = '\0';
    return 0;
}
