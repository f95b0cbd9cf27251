/*
 * fspack - a famset packed into one block, for results kept a while (the
 * caches). A famset needs a block each for families, samples and strings,
 * growth slack, ~90 bytes of bookkeeping and 56 bytes a sample; a pack is
 * one block of exactly the size of its content, 16 bytes a sample plus 8 a
 * label.
 */
#ifndef CMON_AGENT_FSPACK_H
#define CMON_AGENT_FSPACK_H

#include "famset.h"

typedef struct fspack fspack_t;

/*
 * fspack_new() - a pack with a copy of fs (the caller frees it with free()).
 * NULL with ENOMEM.
 */
fspack_t *fspack_new(const famset_t *fs);

/*
 * fspack_merge() - adds what the pack holds to out, as famset_merge() would
 * from the famset it was made of (families without samples are not kept).
 * 0, or -1 (ENOMEM; out says so).
 */
int fspack_merge(famset_t *out, const fspack_t *p);

/* fspack_bytes() - the pack's size in bytes (for tests and figures). */
size_t fspack_bytes(const fspack_t *p);

#endif
