/* plugins - the plugin layers (plugin.h) wired into a scrape. */
#include "plugins.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "scrape.h"
#include "ttlcache.h"

#define PLUGINS_RELIST_S 30.0

typedef struct plugin_list {
    char **pl_paths;
    size_t pl_count;
    double pl_listed; /* monotonic seconds; 0: never */
} plugin_list_t;

struct plugins {
    char *ps_dir; /* NULL: disabled */
    plugin_limits_t ps_limits;
    double ps_ttl;
    ttlcache_t *ps_cache;
    pthread_mutex_t ps_lock; /* guards the two lists */
    plugin_list_t ps_vm, ps_gz;
};

plugins_t *
plugins_new(const plugins_opts_t *o)
{
    char err[512];
    plugins_t *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->ps_cache = ttlcache_new()) == NULL) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->ps_lock, NULL);
    p->ps_limits = o->po_limits;
    p->ps_ttl = o->po_ttl;
    if (o->po_dir == NULL)
        return p;
    if (plugin_dir_check(o->po_dir, err, sizeof(err)) != 0) {
        log_msg(LOG_WARN, "%s; no plugin will run", err);
        return p;
    }
    p->ps_dir = strdup(o->po_dir);
    return p;
}

void
plugins_free(plugins_t *p)
{
    if (p == NULL)
        return;
    plugin_dir_list_free(p->ps_vm.pl_paths);
    plugin_dir_list_free(p->ps_gz.pl_paths);
    ttlcache_free(p->ps_cache);
    pthread_mutex_destroy(&p->ps_lock);
    free(p->ps_dir);
    free(p);
}

/* A private copy of the paths of kind (re-listed when old); NULL-ended. */
static char **
plugins_paths(plugins_t *p, const char *kind, size_t *n)
{
    plugin_list_t *l = strcmp(kind, "vm") == 0 ? &p->ps_vm : &p->ps_gz;
    char dir[4096], **copy;
    double now = cmon_monotime_s();
    pthread_mutex_lock(&p->ps_lock);
    if (l->pl_listed == 0 || now - l->pl_listed > PLUGINS_RELIST_S) {
        plugin_dir_list_free(l->pl_paths);
        snprintf(dir, sizeof(dir), "%s/%s", p->ps_dir, kind);
        if (plugin_dir_list(dir, &l->pl_paths, &l->pl_count) != 0) {
            l->pl_paths = NULL;
            l->pl_count = 0;
        }
        l->pl_listed = now;
    }
    copy = calloc(l->pl_count + 1, sizeof(*copy));
    for (size_t i = 0; copy != NULL && i < l->pl_count; i++)
        copy[i] = strdup(l->pl_paths[i]);
    *n = copy != NULL ? l->pl_count : 0;
    pthread_mutex_unlock(&p->ps_lock);
    return copy;
}

/* ---- a scrape's plugins --------------------------------------------- */

typedef struct pslot {
    char ps_name[PLUGIN_NAME_MAX];
    char ps_key[PLUGIN_NAME_MAX + 80];
    famset_t ps_fs;
    int ps_available, ps_cached;
    double ps_seconds;
} pslot_t;

/*
 * Whether name belongs to one of the collectors that follow the plugins
 * (the plugins come first, spec 2.A.1, so those families are not in the
 * scrape yet): a name of the collector's table (either name set), the
 * collector's own name, or a name starting with it and "_". The plugin
 * placeholder itself is not one.
 */
static int
plugins_reserved(const char *name, const collector_t *const *reserved)
{
    for (size_t i = 0; reserved != NULL && reserved[i] != NULL; i++) {
        const collector_t *co = reserved[i];
        size_t n = strlen(co->co_name);
        if (strcmp(co->co_name, "plugin") != 0 && strncmp(name, co->co_name, n) == 0 &&
            (name[n] == '\0' || name[n] == '_'))
            return 1;
        for (size_t r = 0; r < co->co_ntable; r++)
            if (strcmp(name, co->co_table[r].km_name) == 0 ||
                strcmp(name, co->co_table[r].km_prom) == 0)
                return 1;
    }
    return 0;
}

/* The name of a family of frag that fs already has or a collector owns, or NULL. */
static const char *
plugins_collision(const famset_t *frag, const famset_t *fs, const collector_t *const *reserved)
{
    for (size_t i = 0; i < frag->fs_nfams; i++) {
        const char *name = famset_fam_name(frag, &frag->fs_fams[i]);
        if (plugins_has_family(fs, name) || plugins_reserved(name, reserved))
            return name;
    }
    return NULL;
}

/* Turns one finished run into its slot's families; logs why it failed. */
static void
plugins_take_run(plugins_t *p, const plugin_run_t *r, pslot_t *s)
{
    plugin_output_t po;
    char err[256];
    double ttl = p->ps_ttl;
    s->ps_seconds = r->pr_seconds;
    s->ps_available = 0;
    if (r->pr_status != PLUGIN_RUN_OK) {
        log_msg(LOG_WARN, "plugin %s failed: %s (code %d)", r->pr_path,
                plugin_run_status_name(r->pr_status),
                r->pr_status == PLUGIN_RUN_SPAWN ? r->pr_errno : r->pr_code);
    } else if (plugin_output_parse(r->pr_out, r->pr_len, &po, err, sizeof(err)) != 0) {
        log_msg(LOG_WARN, "plugin %s printed bad output: %s", r->pr_path, err);
    } else {
        if (po.po_ttl >= 0)
            ttl = po.po_ttl;
        if (plugins_to_famset(&po, &s->ps_fs, err, sizeof(err)) == 0)
            s->ps_available = 1;
        else
            log_msg(LOG_WARN, "plugin %s: %s", r->pr_path, err);
        plugin_output_release(&po);
    }
    if (!s->ps_available)
        famset_reset(&s->ps_fs);
    if (ttl > 0)
        (void)ttlcache_put(p->ps_cache, s->ps_key, &s->ps_fs, s->ps_available, ttl);
}

/* Runs the slots that the cache did not answer. */
static void
plugins_run(plugins_t *p, char **paths, pslot_t *slots, size_t n, const char *arg)
{
    plugin_run_t *runs = calloc(n, sizeof(*runs));
    size_t *idx = calloc(n, sizeof(*idx)), nr = 0;
    if (runs == NULL || idx == NULL) {
        free(runs);
        free(idx);
        return; /* every uncached slot stays unavailable */
    }
    for (size_t i = 0; i < n; i++) {
        if (slots[i].ps_cached)
            continue;
        runs[nr].pr_path = paths[i];
        runs[nr].pr_arg = arg;
        idx[nr++] = i;
    }
    if (nr > 0 && plugin_run_all(runs, nr, &p->ps_limits) == 0)
        for (size_t k = 0; k < nr; k++)
            plugins_take_run(p, &runs[k], &slots[idx[k]]);
    for (size_t k = 0; k < nr; k++)
        plugin_run_release(&runs[k]);
    free(runs);
    free(idx);
}

/*
 * Adds each slot's meta block (spec 2.A.3: before the plugin's metrics) and
 * then its families, unless they collide with families already served.
 */
static int
plugins_emit(pslot_t *slots, size_t n, const collector_t *const *reserved, famset_t *fs)
{
    char meta[PLUGIN_NAME_MAX + 8];
    for (size_t i = 0; i < n; i++) {
        pslot_t *s = &slots[i];
        const char *dup = s->ps_available ? plugins_collision(&s->ps_fs, fs, reserved) : NULL;
        if (dup != NULL) {
            log_msg(LOG_WARN, "plugin %s: family %s is already in the scrape", s->ps_name, dup);
            s->ps_available = 0;
        }
        snprintf(meta, sizeof(meta), "plugin_%s", s->ps_name);
        if (scrape_meta(fs, meta, s->ps_available, s->ps_cached, (uint64_t)(s->ps_seconds * 1e9)) !=
            0)
            return -1;
        if (s->ps_available && famset_merge(fs, &s->ps_fs) != 0)
            return -1;
    }
    return 0;
}

int
plugins_collect(plugins_t *p, const char *kind, const char *arg, const collector_t *const *reserved,
                famset_t *fs)
{
    size_t n = 0;
    char **paths;
    pslot_t *slots;
    int rc;
    if (p == NULL || p->ps_dir == NULL)
        return 0;
    paths = plugins_paths(p, kind, &n);
    slots = calloc(n ? n : 1, sizeof(*slots));
    if (paths == NULL || slots == NULL) {
        plugin_dir_list_free(paths);
        free(slots);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        pslot_t *s = &slots[i];
        famset_init(&s->ps_fs);
        plugin_name_from_path(paths[i], s->ps_name);
        snprintf(s->ps_key, sizeof(s->ps_key), "%s/%s/%s", kind, s->ps_name, arg ? arg : "gz");
        s->ps_cached = ttlcache_get(p->ps_cache, s->ps_key, &s->ps_fs, &s->ps_available);
    }
    plugins_run(p, paths, slots, n, arg);
    rc = plugins_emit(slots, n, reserved, fs);
    for (size_t i = 0; i < n; i++)
        famset_release(&slots[i].ps_fs);
    free(slots);
    plugin_dir_list_free(paths);
    return rc;
}
