/*
 * fspack - a famset packed into one block, for results kept a while (the
 * caches). A famset needs a block each for families, samples and strings,
 * growth slack and ~90 bytes of bookkeeping; a pack is one block of exactly
 * the size of its content.
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
 * fspack_view() - a read-only famset over the pack, valid while the pack is:
 * a source for famset_merge(), never to be released or added to.
 */
famset_t fspack_view(const fspack_t *p);

/* fspack_bytes() - the pack's size in bytes (for tests and figures). */
size_t fspack_bytes(const fspack_t *p);

#endif
