/*
 * strhash.h - the hash the agent's tables share: 32-bit FNV-1a over a
 * NUL-terminated string. Callers reduce it to their bucket count.
 */
#ifndef CMON_AGENT_STRHASH_H
#define CMON_AGENT_STRHASH_H

#include <stdint.h>

/* strhash_fnv1a() - FNV-1a of s (not NULL). */
uint32_t strhash_fnv1a(const char *s);

#endif
