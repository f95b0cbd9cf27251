/*
 * metacache - the metadata lines (HELP, TYPE, UNIT) of the families whose
 * name and HELP are static strings, rendered once per format when the agent
 * starts, for the writer to copy instead of spelling them out in every
 * answer (an instance's answer is ~80 families: their metadata was a sixth
 * of the instructions of a scrape, agent/bench/instr.sh).
 *
 * Filled before the first request (metacache_add), then only read: any
 * number of threads may look up at once without a lock. An entry is keyed
 * by the addresses of the name and the HELP and by the type, so only a
 * family declared with those very strings (famset_family_static() of a
 * collector's table row) finds its lines; any other (copied names, plugins,
 * a table not registered) is not found and is written as before. The lines
 * are those expo_meta_lines() writes, so an answer is the same either way.
 */
#ifndef CMON_AGENT_METACACHE_H
#define CMON_AGENT_METACACHE_H

#include <stddef.h>

#include "expofmt.h"
#include "famset.h"

typedef struct metacache metacache_t;

/* metacache_new() - an empty cache with room for max families; NULL (ENOMEM). */
metacache_t *metacache_new(size_t max);

/* metacache_free() - frees mc and its lines (NULL: nothing). */
void metacache_free(metacache_t *mc);

/*
 * metacache_add() - renders the metadata of the family (name, help, type)
 * in both formats. name and help must live as long as mc (string literals,
 * static tables); help may be NULL. Adding a key again changes nothing.
 * 0, or -1 (EINVAL: a NULL mc or name; ENOSPC: max reached; ENOMEM).
 */
int metacache_add(metacache_t *mc, const char *name, const char *help, metric_type_t type);

/*
 * metacache_find() - the metadata lines of (name, help, type) in fmt and
 * their length (*len), and the length of the name samples are written under
 * (*decl_len: an OpenMetrics counter's name without "_total"); NULL when
 * the key was not added (mc NULL: never).
 */
const char *metacache_find(const metacache_t *mc, const char *name, const char *help,
                           metric_type_t type, expo_format_t fmt, size_t *len, size_t *decl_len);

/* metacache_count() - how many families mc holds. */
size_t metacache_count(const metacache_t *mc);

#endif
