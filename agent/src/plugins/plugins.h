/*
 * plugins - the operator's plugins in a scrape: which ones (DIR/vm or
 * DIR/gz, listed again at most every 30 s), run in parallel for the ones
 * whose last answer has expired, their output turned into families, and
 * per plugin the meta metrics plugin_<name>_metrics_available_boolean,
 * _cached_boolean and _timer_seconds. A plugin that fails, or prints a
 * family the scrape already has, is left out with available 0; the scrape
 * goes on.
 */
#ifndef CMON_AGENT_PLUGINS_H
#define CMON_AGENT_PLUGINS_H

#include "famset.h"
#include "collector.h"
#include "plugin.h"

typedef struct plugins plugins_t;

typedef struct plugins_opts {
    const char *po_dir; /* --plugin-dir, NULL: no plugins */
    plugin_limits_t po_limits;
    double po_ttl; /* seconds an answer is kept, unless it says "# TTL n" */
} plugins_opts_t;

/*
 * plugins_new() - plugins of o->po_dir. A directory that is refused
 * (plugin_dir_check) is logged once and no plugin runs. NULL with ENOMEM.
 */
plugins_t *plugins_new(const plugins_opts_t *o);

/* plugins_free() - frees everything. NULL is fine. */
void plugins_free(plugins_t *p);

/*
 * plugins_collect() - runs (or takes from the cache) every plugin of kind
 * "vm" (arg: the instance uuid) or "gz" (arg NULL) and adds, per plugin,
 * its meta block then its families to fs. A plugin whose family fs already
 * has, or that belongs to one of the collectors `reserved` (NULL-terminated,
 * NULL: none; the endpoint's collectors, which run after the plugins), is
 * unavailable. 0, or -1 when fs ran out of memory.
 */
int plugins_collect(plugins_t *p, const char *kind, const char *arg,
                    const collector_t *const *reserved, famset_t *fs);

/*
 * plugins_to_famset() - adds the families of a parsed output to fs,
 * refusing (-1, nothing added, reason in err) a family whose name fs
 * already has or a sample with more than FAMSET_MAX_LABELS labels.
 * Untyped families become gauges.
 */
int plugins_to_famset(const plugin_output_t *po, famset_t *fs, char *err, size_t errlen);

/* plugins_has_family() - 1 when fs has a family called name, else 0. */
int plugins_has_family(const famset_t *fs, const char *name);

#endif
