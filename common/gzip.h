/* gzip - a gzip member (RFC 1952) of a buffer, by libdeflate. */
#ifndef CMON_GZIP_H
#define CMON_GZIP_H

#include <stddef.h>

#include "sbuf.h"

/*
 * gzip_compress() - appends the gzip form of in[0..len) to out, at libdeflate's
 * fastest level (expositions are repetitive text: level 1 already shrinks
 * them several times over at a fraction of the CPU). 0, or -1 (ENOMEM).
 */
int gzip_compress(const void *in, size_t len, sbuf_t *out);

#endif
