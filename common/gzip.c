/* gzip - a gzip member of a buffer, by zlib. */
#include "gzip.h"

#include <errno.h>
#include <zlib.h>

int
gzip_compress(const void *in, size_t len, sbuf_t *out)
{
    z_stream zs = {0};
    /* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
    if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        errno = ENOMEM;
        return -1;
    }
    size_t bound = deflateBound(&zs, (uLong)len);
    if (sbuf_grow(out, bound) != 0) {
        deflateEnd(&zs);
        errno = ENOMEM;
        return -1;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out->sb_buf + out->sb_len;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END) {
        out->sb_len += zs.total_out;
        out->sb_buf[out->sb_len] = '\0';
    }
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}
