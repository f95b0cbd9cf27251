/*
 * world_rng.c - deterministic randomness: everything in a world derives
 * from its seed through splitmix64.
 */
#include <stdio.h>

#include "world_shm.h"

uint64_t
wrng_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void
wrng_uuid(uint64_t seed, uint64_t n, char out[37])
{
    uint64_t a = wrng_mix(seed ^ wrng_mix(n * 2 + 1));
    uint64_t b = wrng_mix(a ^ n);

    /* version 4, variant 10xx */
    a = (a & ~0xf000ULL) | 0x4000ULL;
    b = (b & ~(3ULL << 62)) | (2ULL << 62);
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffULL));
}
