/*
 * world_seq.c - the seqlocks of the world: one writer, readers that retry.
 *
 * The writer makes the counter odd, changes the data, makes it even again.
 * A reader takes an even value, copies, and accepts the copy only if the
 * counter still holds that value. Fences order the plain data accesses
 * against the counter on both sides.
 *
 * A writer that died inside its bracket leaves the counter odd forever. A
 * reader that has waited WSEQ_DEAD_MS checks whether the writer process is
 * still there; if it is gone, nothing will change any more, so the reader
 * takes the odd value and reads what the writer left rather than hang.
 *
 * A counter odd for WORLD_STUCK_MS while its writer lives is garbage (a
 * world overwritten) or a writer stopped inside its bracket: the reader
 * gives up (wguard_stuck) rather than spin at 100 %, deaf to signals, for
 * ever. Inside a guarded call (world_guarded) that call fails with EAGAIN;
 * outside one the reader takes the odd value as for a dead writer. No
 * bracket of a working writer lasts that long (the longest, a tick's churn
 * batch, takes milliseconds).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

#include "world_shm.h"

#define WSEQ_DEAD_MS 50

static uint64_t
wseq_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
wseq_writer_gone(const world_t *w)
{
    return kill((pid_t)w->w_hdr->wh_writer_pid, 0) == -1 && errno == ESRCH;
}

uint32_t
wseq_read_begin(const world_t *w, const _Atomic uint32_t *seq)
{
    unsigned spins = 0;
    uint64_t since = 0, checked = 0;
    uint32_t s;

    while ((s = atomic_load_explicit(seq, memory_order_acquire)) & 1u) {
        if (++spins % 64 != 0)
            continue;
        sched_yield();
        if (spins % 4096 != 0)
            continue;
        uint64_t now = wseq_ms();
        since = since ? since : wguard_wait_start(w, now);
        if (now - since >= WSEQ_DEAD_MS && now - checked >= WSEQ_DEAD_MS) {
            int saved = errno, gone = wseq_writer_gone(w);
            errno = saved;
            if (gone)
                return s;
            checked = now;
        }
        if (now - since >= WORLD_STUCK_MS) {
            wguard_stuck(w); /* returns only outside a guarded call */
            return s;
        }
    }
    return s;
}

int
wseq_read_retry(const _Atomic uint32_t *seq, uint32_t s)
{
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(seq, memory_order_relaxed) != s;
}

void
wseq_write_begin(_Atomic uint32_t *seq)
{
    atomic_fetch_add_explicit(seq, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

void
wseq_write_end(_Atomic uint32_t *seq)
{
    atomic_fetch_add_explicit(seq, 1, memory_order_release);
}
