/*
 * collector - the interface every collector implements, and the shared code
 * that walks a collector's table.
 *
 * A collector is one file: a static const table of kstat_metric_t rows
 * ({kstat module, stat, cmon name, prometheus name, type, unit, help}) and a
 * collect function that finds its kstats through the reader's index, reads
 * them, and emits the rows with collector_emit(). Registration is one line
 * in collectors.c. The scrape (scrape.h) adds the three meta metrics
 * (<name>_metrics_available_boolean, _cached_boolean, _timer_seconds), so
 * collectors only report data.
 */
#ifndef CMON_AGENT_COLLECTOR_H
#define CMON_AGENT_COLLECTOR_H

#include <kstat.h>
#include <stddef.h>
#include <stdint.h>

#include "famset.h"
#include "kreader.h"

/* Which name set the agent serves (--metric-names). */
typedef enum { NAMES_CMON, NAMES_PROMETHEUS } metric_names_t;

/* One metric of a collector's table. */
typedef struct kstat_metric {
    const char *km_module;    /* kstat module the stat comes from */
    const char *km_stat;      /* named stat, or kstat_io_t field (kstat_io_field) */
    const char *km_name;      /* name as cmon-agent ships it */
    const char *km_prom;      /* name following Prometheus conventions */
    metric_type_t km_type;    /* counter or gauge (same in both sets) */
    const char *km_unit;      /* unit of the cmon value, for the docs */
    double km_scale;          /* cmon value = raw * km_scale; 1 keeps it an integer */
    double km_prom_scale;     /* prometheus value = raw * km_prom_scale */
    const char *km_help;      /* HELP of the cmon name: what and in which unit */
    const char *km_prom_help; /* HELP of the prometheus name */
} kstat_metric_t;

/* What a collector is given for one instance. */
typedef struct collect_ctx {
    kreader_t *cc_reader;    /* this thread's kstat reader */
    const char *cc_zonename; /* the full zonename (the vm uuid) */
    int cc_zoneid;           /* its zone id at the start of the scrape */
    metric_names_t cc_names;
    struct vminfo *cc_vminfo; /* the VMs' NICs from vminfod (vminfo.h), NULL: none known */
} collect_ctx_t;

/* collect() results. */
#define COLLECT_OK 0      /* fs filled */
#define COLLECT_FAILED -1 /* a kstat could not be read: errno says why */
#define COLLECT_GONE -2   /* the kstats belong to another zone now */

typedef struct collector {
    const char *co_name;            /* prefix of the meta metrics */
    const kstat_metric_t *co_table; /* the rows (docs and emit), may be NULL */
    size_t co_ntable;
    int (*co_collect)(const collect_ctx_t *cc, famset_t *fs); /* COLLECT_* */
    int co_cacheable;                                         /* 0: never cached (e.g. time) */
    /* The meta block's three family names and HELP texts (COLLECTOR_META),
     * static so that a scrape copies none of them; NULL: built at run time. */
    const char *co_meta[6];
} collector_t;

/*
 * COLLECTOR_META(name) - co_meta of collector `name` (a string literal): the
 * names <name>_metrics_available_boolean, _cached_boolean, _timer_seconds and
 * the original's HELP texts of each (reference 2.A.3, 6.1).
 */
#define COLLECTOR_META(name)                                                                       \
    {                                                                                              \
        name "_metrics_available_boolean", name "_metrics_cached_boolean",                         \
            name "_metrics_timer_seconds",                                                         \
            "Whether " name " metrics were available, 0 = false, 1 = true",                        \
            "Whether " name " metrics came from cache, 0 = false, 1 = true",                       \
            "How long it took to gather the " name " metrics"                                      \
    }

struct metacache;

/*
 * collector_meta_register() - adds to mc (metacache.h) the metadata of
 * every family the collectors of cols (NULL-terminated) declare from static
 * strings: their meta blocks (co_meta) and their table rows, in both name
 * sets. 0, or -1 with metacache_add()'s errno.
 */
int collector_meta_register(struct metacache *mc, const collector_t *const *cols);

/* The per-instance collectors, in exposition order, NULL-terminated. */
extern const collector_t *const collectors_vm[];

/*
 * collector_value() - the raw value of a named stat as an unsigned integer
 * (signed kinds widened, negative clamped to 0). 0, or -1 with ENOENT (no
 * such stat) / EINVAL (a string or unknown type).
 */
int collector_value(kstat_t *ksp, const char *stat, uint64_t *out);

/*
 * collector_value_at() - collector_value() searching the named records from
 * *cursor (start it at 0) and leaving it after the record found: rows in the
 * kstat's own order cost one pass for the whole table.
 */
int collector_value_at(kstat_t *ksp, const char *stat, uint64_t *out, size_t *cursor);

/* kstat_io_field() - the kstat_io_t field called stat. 0 or -1 (ENOENT). */
int kstat_io_field(const kstat_io_t *io, const char *stat, uint64_t *out);

/*
 * collector_emit() - adds row's metric with raw value `raw` to fs, named and
 * scaled for cc->cc_names, with an optional label (lname NULL: none).
 * 0 or -1 (ENOMEM).
 */
int collector_emit(const collect_ctx_t *cc, famset_t *fs, const kstat_metric_t *row, uint64_t raw,
                   const char *lname, const char *lvalue);

/*
 * collector_emit_named() - emits every row of table from named kstat ksp
 * (already read). A row whose stat the kstat lacks (or holds as no number)
 * fails it all, as it failed the original's collector: -1 with ENOENT
 * and a warn line naming the kstat, the field and the zone (collector_missing),
 * so the collector answers available 0 instead of a silently partial set.
 * 0, or -1 (ENOENT, ENOMEM).
 */
int collector_emit_named(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp,
                         const kstat_metric_t *table, size_t n);

/* collector_missing() - logs that ksp lacks field stat for cc's zone; -1, ENOENT. */
int collector_missing(const collect_ctx_t *cc, const kstat_t *ksp, const char *stat);

/*
 * collector_zone_check() - COLLECT_GONE when named kstat ksp has a
 * `zonename` stat that is not cc's zone, else COLLECT_OK.
 */
int collector_zone_check(const collect_ctx_t *cc, kstat_t *ksp);

/*
 * collector_read() - finds module:zoneid:name (name NULL: any) in the index
 * and reads it. The kstat, or NULL with errno: ENOENT not in the index, or
 * kstat_read's errno.
 */
kstat_t *collector_read(const collect_ctx_t *cc, const char *module, const char *name);

#endif
