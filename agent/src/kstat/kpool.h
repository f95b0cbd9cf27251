/*
 * kpool - hands out kreaders, one per concurrent scrape.
 *
 * A kstat handle is not thread-safe and holds a copy of every chain
 * header, so the pool keeps as few as the concurrency needs: a scrape takes
 * an idle reader, or opens a new one while fewer than the limit exist, or
 * waits for one. The pool's lock is held only to push or pop a pointer;
 * reads and chain updates run outside it, so one reader's re-index never
 * blocks a scrape on another.
 */
#ifndef CMON_AGENT_KPOOL_H
#define CMON_AGENT_KPOOL_H

#include "kreader.h"
#include "selfstats.h"

typedef struct kpool kpool_t;

/*
 * kpool_new() - a pool of at most max readers, with `prefill` opened now
 * (so that a missing world is reported at start). NULL with errno set.
 */
kpool_t *kpool_new(unsigned max, unsigned prefill, selfstats_t *stats);

/* kpool_free() - closes every reader; none may be taken. NULL is fine. */
void kpool_free(kpool_t *kp);

/*
 * kpool_take() - an idle reader, synced with the current chain at most
 * KREADER_SYNC_MS ago (a sync error is ignored: its index stays usable).
 * NULL with errno when no reader could be opened.
 */
kreader_t *kpool_take(kpool_t *kp);

/* kpool_give() - returns a reader taken with kpool_take(). */
void kpool_give(kpool_t *kp, kreader_t *kr);

/* kpool_resync() - syncs a reader now, whatever its age (POST /v1/refresh). */
void kpool_resync(kpool_t *kp);

#endif
