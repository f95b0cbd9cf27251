/* metacache - metadata lines of static families, rendered once. */
#include "metacache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

typedef struct metaline {
    const char *ml_name, *ml_help; /* the key, with ml_type; ml_name NULL: a free slot */
    metric_type_t ml_type;
    char *ml_text[2]; /* EXPO_TEXT, EXPO_OPENMETRICS */
    size_t ml_len[2], ml_decl[2];
} metaline_t;

struct metacache {
    metaline_t *mc_slots; /* open addressing, at most half full */
    size_t mc_nslots;     /* a power of two */
    size_t mc_count, mc_max;
};

/* The first slot to probe for a key: its addresses mixed. */
static size_t
metacache_slot(const metacache_t *mc, const char *name, const char *help, metric_type_t type)
{
    uint64_t h = (uint64_t)(uintptr_t)name * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(uintptr_t)help * 0xC2B2AE3D27D4EB4Full + (uint64_t)type;
    return (size_t)(h ^ (h >> 29)) & (mc->mc_nslots - 1);
}

/* The slot of the key, or the free slot where it would go. */
static metaline_t *
metacache_probe(const metacache_t *mc, const char *name, const char *help, metric_type_t type)
{
    for (size_t s = metacache_slot(mc, name, help, type);; s = (s + 1) & (mc->mc_nslots - 1)) {
        metaline_t *ml = &mc->mc_slots[s];
        if (ml->ml_name == NULL ||
            (ml->ml_name == name && ml->ml_help == help && ml->ml_type == type))
            return ml;
    }
}

metacache_t *
metacache_new(size_t max)
{
    metacache_t *mc = calloc(1, sizeof(*mc));
    size_t n = 16;
    while (n < 2 * max + 2)
        n *= 2;
    if (mc == NULL || (mc->mc_slots = calloc(n, sizeof(metaline_t))) == NULL) {
        free(mc);
        errno = ENOMEM;
        return NULL;
    }
    mc->mc_nslots = n;
    mc->mc_max = max;
    return mc;
}

void
metacache_free(metacache_t *mc)
{
    if (mc == NULL)
        return;
    for (size_t i = 0; i < mc->mc_nslots; i++) {
        free(mc->mc_slots[i].ml_text[0]);
        free(mc->mc_slots[i].ml_text[1]);
    }
    free(mc->mc_slots);
    free(mc);
}

/* Renders the lines of ml's family in fmt into ml. 0 or -1 (ENOMEM). */
static int
metacache_render(metaline_t *ml, expo_format_t fmt)
{
    sbuf_t sb = SBUF_INIT;
    size_t decl =
        expo_meta_lines(&sb, ml->ml_name, strlen(ml->ml_name), ml->ml_help, ml->ml_type, fmt);
    if (sbuf_failed(&sb) || sb.sb_buf == NULL) {
        sbuf_release(&sb);
        errno = ENOMEM;
        return -1;
    }
    ml->ml_text[fmt] = sbuf_detach(&sb, &ml->ml_len[fmt]);
    ml->ml_decl[fmt] = decl;
    return 0;
}

int
metacache_add(metacache_t *mc, const char *name, const char *help, metric_type_t type)
{
    if (mc == NULL || name == NULL) {
        errno = EINVAL;
        return -1;
    }
    metaline_t *ml = metacache_probe(mc, name, help, type);
    if (ml->ml_name != NULL)
        return 0;
    if (mc->mc_count >= mc->mc_max) {
        errno = ENOSPC;
        return -1;
    }
    metaline_t fresh = {.ml_name = name, .ml_help = help, .ml_type = type};
    if (metacache_render(&fresh, EXPO_TEXT) != 0 ||
        metacache_render(&fresh, EXPO_OPENMETRICS) != 0) {
        free(fresh.ml_text[EXPO_TEXT]);
        errno = ENOMEM;
        return -1;
    }
    *ml = fresh;
    mc->mc_count++;
    return 0;
}

const char *
metacache_find(const metacache_t *mc, const char *name, const char *help, metric_type_t type,
               expo_format_t fmt, size_t *len, size_t *decl_len)
{
    if (mc == NULL || name == NULL || (fmt != EXPO_TEXT && fmt != EXPO_OPENMETRICS))
        return NULL;
    const metaline_t *ml = metacache_probe(mc, name, help, type);
    if (ml->ml_name == NULL)
        return NULL;
    *len = ml->ml_len[fmt];
    *decl_len = ml->ml_decl[fmt];
    return ml->ml_text[fmt];
}

size_t
metacache_count(const metacache_t *mc)
{
    return mc != NULL ? mc->mc_count : 0;
}
