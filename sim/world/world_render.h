/*
 * world_render.h - the simulated kernel's ks_update functions, shared by the
 * zone renderers (world_render_zone.c) and the node's (world_render_node.c).
 * Private to sim/world.
 */
#ifndef CMON_WORLD_RENDER_H
#define CMON_WORLD_RENDER_H

#include "world_shm.h"

/* Initialiser of one template record. */
#define KN(n, t) {.name = n, .data_type = t}

/* What a renderer reads: the world, a snapshot, and the kstat's argument. */
typedef struct wrctx {
    const world_t *x_w;
    const wshm_zone_t *x_z;   /* zone kinds */
    const wshm_global_t *x_g; /* node kinds */
    int x_arg;
} wrctx_t;

/* A kind: class, template, and the function that fills values and strings. */
typedef struct wrkind {
    const char *rk_class;
    const kstat_named_t *rk_tmpl;
    uint32_t rk_n;
    void (*rk_fill)(const wrctx_t *x, kstat_named_t *k, char **strp);
    /* bytes of strings the kstat carries after its named array */
    uint32_t (*rk_strsize)(const world_t *w, const wshm_zone_t *z, int arg);
} wrkind_t;

/* wr_values() - sets every non-string record i of k[0..n) to v[i] in its data type. */
void wr_values(kstat_named_t *k, const uint64_t *v, uint32_t n);
/* wr_str() - copies s to *strp, points record k at it, and moves *strp past it. */
void wr_str(kstat_named_t *k, char **strp, const char *s);
/* wr_zonename_size() - strlen(zonename) + 1: the strsize of every zone kind with a zonename. */
uint32_t wr_zonename_size(const world_t *w, const wshm_zone_t *z, int arg);

/* The kinds, indexed by wkind_t (NULL for 0). */
extern const wrkind_t *const wr_zone_kinds[WK_NKINDS];
extern const wrkind_t *const wr_node_kinds[WK_NKINDS];

#endif /* CMON_WORLD_RENDER_H */
