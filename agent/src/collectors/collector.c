/* collector - the shared table walker of the collectors. */
#include "collector.h"

#include "log.h"
#include "metacache.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * The named record called stat, searched from *cursor on and then from the
 * start: a table whose rows follow the kstat's own order costs one pass over
 * the records instead of one pass per row (kstat_data_lookup). Falls back to
 * kstat_data_lookup for other kstat types.
 */
static kstat_named_t *
collector_named_find(kstat_t *ksp, const char *stat, size_t *cursor)
{
    if (ksp->ks_type != KSTAT_TYPE_NAMED || ksp->ks_data == NULL || cursor == NULL)
        return kstat_data_lookup(ksp, stat);
    kstat_named_t *kn = KSTAT_NAMED_PTR(ksp);
    size_t n = ksp->ks_ndata;
    if (n > ksp->ks_data_size / sizeof(kstat_named_t))
        n = ksp->ks_data_size / sizeof(kstat_named_t);
    size_t start = *cursor < n ? *cursor : 0; /* from the cursor to the end, then the rest */
    for (size_t k = 0, i = start; k < n; k++, i = i + 1 < n ? i + 1 : 0) {
        if (kn[i].name[0] == stat[0] && strncmp(kn[i].name, stat, KSTAT_STRLEN) == 0) {
            *cursor = i + 1;
            return &kn[i];
        }
    }
    return NULL;
}

int
collector_value_at(kstat_t *ksp, const char *stat, uint64_t *out, size_t *cursor)
{
    kstat_named_t *kn = collector_named_find(ksp, stat, cursor);
    if (kn == NULL) {
        errno = ENOENT;
        return -1;
    }
    switch (kn->data_type) {
    case KSTAT_DATA_INT32:
        *out = kn->value.i32 < 0 ? 0 : (uint64_t)kn->value.i32;
        return 0;
    case KSTAT_DATA_UINT32:
        *out = kn->value.ui32;
        return 0;
    case KSTAT_DATA_INT64:
        *out = kn->value.i64 < 0 ? 0 : (uint64_t)kn->value.i64;
        return 0;
    case KSTAT_DATA_UINT64:
        *out = kn->value.ui64;
        return 0;
    default:
        errno = EINVAL;
        return -1;
    }
}

int
collector_value(kstat_t *ksp, const char *stat, uint64_t *out)
{
    return collector_value_at(ksp, stat, out, NULL);
}

/* The kstat_io_t fields by name, as kstat(1M) prints them. */
static const struct {
    const char *name;
    size_t off;
    int wide; /* 8 bytes, else 4 */
} kstat_io_fields[] = {
    {"nread", offsetof(kstat_io_t, nread), 1},
    {"nwritten", offsetof(kstat_io_t, nwritten), 1},
    {"reads", offsetof(kstat_io_t, reads), 0},
    {"writes", offsetof(kstat_io_t, writes), 0},
    {"wtime", offsetof(kstat_io_t, wtime), 1},
    {"wlentime", offsetof(kstat_io_t, wlentime), 1},
    {"wlastupdate", offsetof(kstat_io_t, wlastupdate), 1},
    {"rtime", offsetof(kstat_io_t, rtime), 1},
    {"rlentime", offsetof(kstat_io_t, rlentime), 1},
    {"rlastupdate", offsetof(kstat_io_t, rlastupdate), 1},
    {"wcnt", offsetof(kstat_io_t, wcnt), 0},
    {"rcnt", offsetof(kstat_io_t, rcnt), 0},
};

int
kstat_io_field(const kstat_io_t *io, const char *stat, uint64_t *out)
{
    for (size_t i = 0; i < sizeof(kstat_io_fields) / sizeof(kstat_io_fields[0]); i++) {
        if (strcmp(kstat_io_fields[i].name, stat) != 0)
            continue;
        const char *p = (const char *)io + kstat_io_fields[i].off;
        if (kstat_io_fields[i].wide) {
            uint64_t v;
            memcpy(&v, p, sizeof(v));
            *out = v;
        } else {
            uint32_t v;
            memcpy(&v, p, sizeof(v));
            *out = v;
        }
        return 0;
    }
    errno = ENOENT;
    return -1;
}

/*
 * raw * scale as a sample value: exact integers stay integers, a power-of-ten
 * divisor (1e9 for nanoseconds, 100 for percent) gives an exact decimal,
 * anything else (1/256) a double.
 */
static mval_t
collector_scale(uint64_t raw, double scale)
{
    if (scale == 1.0)
        return mval_u64(raw);
    /* 1/1e-9 is no exact double (999999999.99999988), but 1.0 / 1e9 rounds to
     * the very double the literal 1e-9 is: compare the scale, not its inverse. */
    double p = 1;
    for (unsigned exp = 1; exp <= 18; exp++) {
        p *= 10;
        if (scale == 1.0 / p)
            return mval_dec(raw, exp);
    }
    return mval_dbl((double)raw * scale);
}

int
collector_emit(const collect_ctx_t *cc, famset_t *fs, const kstat_metric_t *row, uint64_t raw,
               const char *lname, const char *lvalue)
{
    int prom = cc->cc_names == NAMES_PROMETHEUS;
    const char *name = prom ? row->km_prom : row->km_name;
    const char *help = prom ? row->km_prom_help : row->km_help;
    double scale = prom ? row->km_prom_scale : row->km_scale;
    mval_t v = collector_scale(raw, scale);
    int fam = famset_family_static(fs, name, help, row->km_type); /* tables are static */
    if (fam < 0)
        return -1;
    size_t nl = lname != NULL ? 1 : 0;
    return famset_sample(fs, fam, SAMPLE_PLAIN, nl, &lname, &lvalue, v);
}

int
collector_missing(const collect_ctx_t *cc, const kstat_t *ksp, const char *stat)
{
    log_msg(LOG_WARN, "%s:%d:%s has no numeric field %s: not served for zone %s", ksp->ks_module,
            ksp->ks_instance, ksp->ks_name, stat, cc->cc_zonename);
    errno = ENOENT;
    return -1;
}

int
collector_emit_named(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp,
                     const kstat_metric_t *table, size_t n)
{
    size_t cursor = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t raw;
        if (collector_value_at(ksp, table[i].km_stat, &raw, &cursor) != 0)
            return collector_missing(cc, ksp, table[i].km_stat);
        if (collector_emit(cc, fs, &table[i], raw, NULL, NULL) != 0)
            return -1;
    }
    return 0;
}

int
collector_zone_check(const collect_ctx_t *cc, kstat_t *ksp)
{
    size_t cursor = 0;
    kstat_named_t *kn = collector_named_find(ksp, "zonename", &cursor);
    if (kn == NULL || kn->data_type != KSTAT_DATA_STRING)
        return COLLECT_OK;
    const char *name = KSTAT_NAMED_STR_PTR(kn);
    if (name == NULL || strcmp(name, cc->cc_zonename) != 0)
        return COLLECT_GONE;
    return COLLECT_OK;
}

kstat_t *
collector_read(const collect_ctx_t *cc, const char *module, const char *name)
{
    kstat_t *ksp = kreader_find(cc->cc_reader, module, cc->cc_zoneid, name);
    if (ksp == NULL) {
        errno = ENOENT;
        return NULL;
    }
    if (kreader_read(cc->cc_reader, ksp) != 0)
        return NULL;
    return ksp;
}

/* One collector's static families into mc. 0 or -1. */
static int
collector_meta_one(metacache_t *mc, const collector_t *co)
{
    if (co->co_meta[0] != NULL)
        for (int i = 0; i < 3; i++)
            if (metacache_add(mc, co->co_meta[i], co->co_meta[3 + i], METRIC_GAUGE) != 0)
                return -1;
    for (size_t i = 0; i < co->co_ntable; i++) {
        const kstat_metric_t *row = &co->co_table[i];
        if (metacache_add(mc, row->km_name, row->km_help, row->km_type) != 0 ||
            metacache_add(mc, row->km_prom, row->km_prom_help, row->km_type) != 0)
            return -1;
    }
    return 0;
}

int
collector_meta_register(metacache_t *mc, const collector_t *const *cols)
{
    for (size_t i = 0; cols[i] != NULL; i++)
        if (collector_meta_one(mc, cols[i]) != 0)
            return -1;
    return 0;
}
