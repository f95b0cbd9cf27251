/*
 * world_render.c - rendering a kstat's data the way kstat_read() returns it:
 * the named array, then the strings its KSTAT_DATA_STRING records point to,
 * in the same buffer (as the illumos kstat driver copies them out).
 */
#include <string.h>

#include "world_render.h"

static const wrkind_t *
wr_kind(wkind_t kind)
{
    if (kind <= 0 || kind >= WK_NKINDS)
        return NULL;
    return wr_zone_kinds[kind] != NULL ? wr_zone_kinds[kind] : wr_node_kinds[kind];
}

void
wr_value(kstat_named_t *k, uint64_t v)
{
    switch (k->data_type) {
    case KSTAT_DATA_INT32:
        k->value.i32 = (int32_t)(uint32_t)v;
        break;
    case KSTAT_DATA_UINT32:
        k->value.ui32 = (uint32_t)v; /* wraps, as 32-bit kernel counters do */
        break;
    case KSTAT_DATA_INT64:
        k->value.i64 = (int64_t)v;
        break;
    case KSTAT_DATA_UINT64:
        k->value.ui64 = v;
        break;
    default:
        break;
    }
}

void
wr_linear(kstat_named_t *k, const wrlin_t *t, uint32_t n, const uint64_t *base)
{
    for (uint32_t i = 0; i < n; i++) {
        k[i] = t[i].l_kn;
        wr_value(&k[i], base[t[i].l_src] / t[i].l_div * t[i].l_mul);
    }
}

void
wr_str(kstat_named_t *k, char **strp, const char *s)
{
    size_t n = strlen(s) + 1;

    memcpy(*strp, s, n);
    KSTAT_NAMED_STR_PTR(k) = *strp;
    KSTAT_NAMED_STR_BUFLEN(k) = (uint32_t)n;
    *strp += n;
}

uint32_t
wr_zonename_size(const world_t *w, const wshm_zone_t *z, int arg)
{
    (void)w;
    (void)arg;
    return (uint32_t)strnlen(z->wz_name, WORLD_NAME_MAX - 1) + 1;
}

uint32_t
wrender_ndata(wkind_t kind)
{
    const wrkind_t *k = wr_kind(kind);

    return k != NULL ? k->rk_n : 0;
}

const char *
wrender_class(wkind_t kind)
{
    const wrkind_t *k = wr_kind(kind);

    return k != NULL ? k->rk_class : "misc";
}

uint32_t
wrender_strsize(const world_t *w, wkind_t kind, const wshm_zone_t *z, int arg)
{
    const wrkind_t *k = wr_kind(kind);

    if (k == NULL || k->rk_strsize == NULL)
        return 0;
    return k->rk_strsize(w, z, arg);
}

void
wrender_fill(const world_t *w, const wshm_kslot_t *ks, const wshm_zone_t *z, const wshm_global_t *g,
             void *buf)
{
    const wrkind_t *k = wr_kind((wkind_t)ks->wk_kind);
    wrctx_t x = {.x_w = w, .x_z = z, .x_g = g, .x_arg = ks->wk_arg};
    kstat_named_t *knp = buf;

    if (k == NULL)
        return; /* not a kind: the caller validated the slot, so never */
    char *strp = (char *)(knp + k->rk_n);

    k->rk_fill(&x, knp, &strp);
}

void
wr_char(kstat_named_t *k, const char *s)
{
    size_t n = strnlen(s, sizeof(k->value.c));

    memset(k->value.c, 0, sizeof(k->value.c));
    memcpy(k->value.c, s, n);
}
