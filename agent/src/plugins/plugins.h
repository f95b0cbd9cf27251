/*
 * plugins - the operator's plugins in a scrape (reference section 4):
 * which ones (DIR/vm-plugins or DIR/gz-plugins and their plugin.json,
 * listed again at most every PLUGIN_RELOAD_S), run in parallel for the ones
 * whose last answer has expired (at most PLUGIN_RUNNING_MAX processes
 * agent-wide), their output turned into plugin_<name>_... families, and per
 * plugin the meta metrics plugin_<name>_metrics_available_boolean,
 * _cached_boolean and _timer_seconds before them. A plugin that fails, is
 * refused, or prints a family the scrape already has is served as
 * available 0; the scrape and every other plugin go on.
 */
#ifndef CMON_AGENT_PLUGINS_H
#define CMON_AGENT_PLUGINS_H

#include "famset.h"
#include "plugin.h"

typedef struct plugins plugins_t;

typedef struct plugins_opts {
    const char *po_dir;        /* --plugin-dir: holds vm-plugins/ and gz-plugins/ */
    plugin_limits_t po_limits; /* the timeout of a plugin plugin.json gives none; output cap */
    double po_ttl;             /* seconds an answer is kept, unless plugin.json or it says */
} plugins_opts_t;

/* plugins_new() - plugins of o->po_dir (copied). NULL with ENOMEM. */
plugins_t *plugins_new(const plugins_opts_t *o);

/* plugins_free() - frees everything. NULL is fine. */
void plugins_free(plugins_t *p);

/*
 * plugins_collect() - runs (or takes from the cache) every plugin of kind
 * "vm" (zonename: the instance's uuid) or "gz" (zonename "global") and adds,
 * per plugin in file-name order, its meta block then its families to fs.
 * A plugin directory that is not one (or is not trusted) adds one meta
 * block, plugin_metrics_available_boolean 0. 0, or -1 when fs ran out of
 * memory.
 */
int plugins_collect(plugins_t *p, const char *kind, const char *zonename, famset_t *fs);

/*
 * plugins_to_famset() - adds the families of a parsed output to fs,
 * refusing (-1, nothing added, reason in err) a family whose name fs
 * already has or a sample with more than FAMSET_MAX_LABELS labels.
 */
int plugins_to_famset(const plugin_output_t *po, famset_t *fs, char *err, size_t errlen);

/* plugins_cache_size() - answers kept (expired ones until swept). */
size_t plugins_cache_size(plugins_t *p);

/* plugins_has_family() - 1 when fs has a family called name, else 0. */
int plugins_has_family(const famset_t *fs, const char *name);

#endif
