/*
 * world_render.h - the simulated kernel's ks_update functions, shared by the
 * zone renderers (world_render_zone.c) and the node's (world_render_node.c).
 * Private to sim/world.
 */
#ifndef CMON_WORLD_RENDER_H
#define CMON_WORLD_RENDER_H

#include "world_shm.h"

/* Initialiser of one template record. */
#define KN(n, t)                                                                                   \
    {                                                                                              \
        .name = n, .data_type = t                                                                  \
    }

/* What a renderer reads: the world, a snapshot, and the kstat's argument. */
typedef struct wrctx {
    const world_t *x_w;
    const wshm_zone_t *x_z;   /* zone kinds */
    const wshm_global_t *x_g; /* node kinds */
    int x_arg;
} wrctx_t;

/*
 * A record whose value is a linear function of one of its kind's base
 * quantities: base[l_src] / l_div * l_mul. Counters derived this way from
 * monotonic counters are monotonic and consistent with their source.
 */
typedef struct wrlin {
    kstat_named_t l_kn; /* name and data type */
    uint8_t l_src;
    uint64_t l_mul;
    uint32_t l_div;
} wrlin_t;

#define LIN(n, t, src, mul, div)                                                                   \
    {                                                                                              \
        KN(n, t), src, mul, div                                                                    \
    }

/* A kind: class, records, and the function that values them (and its strings). */
typedef struct wrkind {
    const char *rk_class;
    const wrlin_t *rk_stats;
    uint32_t rk_n;
    void (*rk_fill)(const wrctx_t *x, kstat_named_t *k, char **strp);
    /* bytes of strings the kstat carries after its named array */
    uint32_t (*rk_strsize)(const world_t *w, const wshm_zone_t *z, int arg);
} wrkind_t;

/* wr_value() - sets a non-string record to v in its data type (32-bit ones wrap). */
void wr_value(kstat_named_t *k, uint64_t v);
/* wr_linear() - writes the records of table t[0..n) into k, valued from base. */
void wr_linear(kstat_named_t *k, const wrlin_t *t, uint32_t n, const uint64_t *base);
/* wr_char() - sets KSTAT_DATA_CHAR record k to s (cut to its 16 bytes, NUL-padded). */
void wr_char(kstat_named_t *k, const char *s);
/* wr_str() - copies s to *strp, points record k at it, and moves *strp past it. */
void wr_str(kstat_named_t *k, char **strp, const char *s);
/* wr_zonename_size() - strlen(zonename) + 1: the strsize of every zone kind with a zonename. */
uint32_t wr_zonename_size(const world_t *w, const wshm_zone_t *z, int arg);

/* The kinds, indexed by wkind_t (NULL for 0). */
extern const wrkind_t *const wr_zone_kinds[WK_NKINDS];
extern const wrkind_t *const wr_node_kinds[WK_NKINDS];

/* The ZFS kinds (world_render_arc.c), and the arcstats record called name (its index, or -1). */
extern const wrkind_t wr_arc_kind, wr_mslab_kind;
int wr_arc_record(const char *name);

#endif /* CMON_WORLD_RENDER_H */
