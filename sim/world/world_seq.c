/*
 * world_seq.c - the seqlocks of the world: one writer, readers that retry.
 *
 * The writer makes the counter odd, changes the data, makes it even again.
 * A reader takes an even value, copies, and accepts the copy only if the
 * counter still holds that value. Fences order the plain data accesses
 * against the counter on both sides.
 */
#include <sched.h>

#include "world_shm.h"

uint32_t
wseq_read_begin(const _Atomic uint32_t *seq)
{
    unsigned spins = 0;
    uint32_t s;

    while ((s = atomic_load_explicit(seq, memory_order_acquire)) & 1u) {
        if (++spins % 64 == 0)
            sched_yield();
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
