/* plugins - the plugin layers (plugin.h) wired into a scrape. */
#include "plugins.h"
#include "monotime.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scrape.h"
#include "ttlcache.h"
#include "zonelist.h"

/* One listing of a directory, shared by the scrapes that use it. */
typedef struct plugin_snap {
    plugin_listing_t sn_list;
    double sn_loaded; /* monotonic seconds */
    int sn_refs;      /* under ps_lock */
} plugin_snap_t;

struct plugins {
    char *ps_dir;
    plugin_limits_t ps_limits;
    double ps_ttl;
    ttlcache_t *ps_cache;
    pthread_mutex_t ps_lock; /* guards the two snapshots and their refs */
    plugin_snap_t *ps_vm, *ps_gz;
    int ps_loading[2];        /* a listing of [0] gz, [1] vm is being made, unlocked */
    pthread_cond_t ps_loaded; /* signalled when one is swapped in */
    _Atomic int ps_running;   /* plugin processes running, agent-wide */
    /* Until when (monotonic s) vm-plugins, gz-plugins are known missing: a
     * scrape then takes no lock at all (no plugins is the common case). */
    _Atomic double ps_none_until[2];
};

/*
 * Whether a kept answer's instance still runs: keys are kind/file/zonename
 * (plugins_run()); the node's (gz) always does.
 */
static int
plugins_key_live(const char *key)
{
    const char *zone = strrchr(key, '/');
    return strncmp(key, "gz/", 3) == 0 || zone == NULL || zonelist_running(zone + 1);
}

plugins_t *
plugins_new(const plugins_opts_t *o)
{
    plugins_t *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->ps_cache = ttlcache_new_live(plugins_key_live)) == NULL ||
        (p->ps_dir = strdup(o->po_dir != NULL ? o->po_dir : PLUGIN_DIR_DEFAULT)) == NULL) {
        if (p != NULL)
            ttlcache_free(p->ps_cache);
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&p->ps_lock, NULL);
    pthread_cond_init(&p->ps_loaded, NULL);
    p->ps_limits = o->po_limits;
    p->ps_ttl = o->po_ttl;
    return p;
}

static void
snap_unref_locked(plugin_snap_t *s)
{
    if (s != NULL && --s->sn_refs == 0) {
        plugin_listing_free(&s->sn_list);
        free(s);
    }
}

void
plugins_free(plugins_t *p)
{
    if (p == NULL)
        return;
    snap_unref_locked(p->ps_vm);
    snap_unref_locked(p->ps_gz);
    ttlcache_free(p->ps_cache);
    pthread_mutex_destroy(&p->ps_lock);
    pthread_cond_destroy(&p->ps_loaded);
    free(p->ps_dir);
    free(p);
}

/* Logs what a fresh listing refuses: once per listing, not per scrape. */
static void
snap_log(const char *dir, const plugin_listing_t *l)
{
    if (l->pl_state == PLUGIN_DIR_BAD)
        log_msg(LOG_WARN, "%s; no plugin of it runs", l->pl_why);
    for (size_t i = 0; i < l->pl_n; i++)
        if (l->pl_entries[i].pe_why[0] != '\0')
            log_msg(LOG_WARN, "refusing plugin %s/%s: %s", dir, l->pl_entries[i].pe_file,
                    l->pl_entries[i].pe_why);
}

/* Lists kind's directory afresh: no lock held (readdir, stats, plugin.json). */
static plugin_snap_t *
snap_load(plugins_t *p, const char *kind, double now)
{
    char dir[4096];
    plugin_defaults_t d = {p->ps_limits.pl_timeout_ms, (int)p->ps_ttl};
    plugin_snap_t *fresh = calloc(1, sizeof(*fresh));
    if (fresh == NULL)
        return NULL;
    snprintf(dir, sizeof(dir), "%s/%s-plugins", p->ps_dir, kind);
    plugin_dir_load(dir, &d, &fresh->sn_list);
    fresh->sn_loaded = now;
    fresh->sn_refs = 1;
    snap_log(dir, &fresh->sn_list);
    return fresh;
}

/*
 * The listing of kind, listed again when older than PLUGIN_RELOAD_S (the
 * original's 60 s): a scrape costs no directory read otherwise. One scrape
 * lists, outside ps_lock, and swaps the new listing in under it; the
 * others meanwhile keep using the old one (the first ever listing is
 * waited for by whoever finds none). The caller releases it with
 * snap_release(). NULL with ENOMEM.
 */
static plugin_snap_t *
snap_get(plugins_t *p, const char *kind)
{
    int vm = strcmp(kind, "vm") == 0;
    plugin_snap_t **slot = vm ? &p->ps_vm : &p->ps_gz, *s, *fresh;
    double now = cmon_monotime_s();
    pthread_mutex_lock(&p->ps_lock);
    while (*slot == NULL && p->ps_loading[vm])
        pthread_cond_wait(&p->ps_loaded, &p->ps_lock); /* the very first listing */
    s = *slot;
    if ((s == NULL || now - s->sn_loaded >= PLUGIN_RELOAD_S) && !p->ps_loading[vm]) {
        p->ps_loading[vm] = 1;
        pthread_mutex_unlock(&p->ps_lock);
        fresh = snap_load(p, kind, now);
        pthread_mutex_lock(&p->ps_lock);
        p->ps_loading[vm] = 0;
        if (fresh != NULL) {
            atomic_store(&p->ps_none_until[vm],
                         fresh->sn_list.pl_state == PLUGIN_DIR_NONE ? now + PLUGIN_RELOAD_S : 0.0);
            snap_unref_locked(*slot);
            *slot = fresh;
        }
        pthread_cond_broadcast(&p->ps_loaded);
        s = *slot;
    }
    if (s != NULL)
        s->sn_refs++;
    pthread_mutex_unlock(&p->ps_lock);
    return s;
}

static void
snap_release(plugins_t *p, plugin_snap_t *s)
{
    pthread_mutex_lock(&p->ps_lock);
    snap_unref_locked(s);
    pthread_mutex_unlock(&p->ps_lock);
}

/* ---- a scrape's plugins --------------------------------------------- */

typedef struct pslot {
    const plugin_entry_t *ps_e;
    char ps_key[PLUGIN_NAME_MAX + 4096];
    famset_t ps_fs;
    int ps_available, ps_cached, ps_run;
    double ps_seconds;
} pslot_t;

/* Turns one finished run into its slot's families; logs why it failed. */
static void
plugins_take_run(plugins_t *p, const plugin_run_t *r, pslot_t *s)
{
    const plugin_entry_t *e = s->ps_e;
    plugin_output_t po;
    char err[256];
    double ttl = e->pe_ttl;
    s->ps_seconds = r->pr_seconds;
    s->ps_available = 0;
    if (r->pr_status != PLUGIN_RUN_OK) {
        log_msg(LOG_WARN, "plugin %s failed: %s (code %d)", e->pe_path,
                plugin_run_status_name(r->pr_status),
                r->pr_status == PLUGIN_RUN_SPAWN ? r->pr_errno : r->pr_code);
    } else if (plugin_output_parse(e->pe_name, e->pe_prom, r->pr_out, r->pr_len, &po, err,
                                   sizeof(err)) != 0) {
        log_msg(LOG_WARN, "plugin %s printed bad output: %s", e->pe_path, err);
    } else {
        if (po.po_has_ttl)
            ttl = po.po_ttl > PLUGIN_TTL_MAX ? PLUGIN_TTL_MAX : (double)po.po_ttl;
        if (po.po_nsamples > 0 && plugins_to_famset(&po, &s->ps_fs, err, sizeof(err)) == 0)
            s->ps_available = 1;
        else if (po.po_nsamples > 0)
            log_msg(LOG_WARN, "plugin %s: %s", e->pe_path, err);
        plugin_output_release(&po);
    }
    if (!s->ps_available)
        famset_reset(&s->ps_fs);
    if (ttl > 0 && r->pr_status != PLUGIN_RUN_BUSY)
        (void)ttlcache_put(p->ps_cache, s->ps_key, &s->ps_fs, s->ps_available, ttl);
}

/* Takes up to n of the agent-wide process slots; returns how many it got. */
static size_t
plugins_reserve(plugins_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int cur = atomic_load(&p->ps_running);
        if (cur >= PLUGIN_RUNNING_MAX)
            break;
        if (atomic_compare_exchange_weak(&p->ps_running, &cur, cur + 1))
            got++;
    }
    return got;
}

/* Runs the slots marked ps_run, in parallel. */
static void
plugins_run(plugins_t *p, pslot_t *slots, size_t n, const char *zonename)
{
    plugin_run_t *runs = calloc(n ? n : 1, sizeof(*runs));
    size_t *idx = calloc(n ? n : 1, sizeof(*idx)), nr = 0, got;
    if (runs == NULL || idx == NULL) {
        free(runs);
        free(idx);
        return; /* every slot to run stays unavailable */
    }
    for (size_t i = 0; i < n; i++) {
        if (!slots[i].ps_run)
            continue;
        runs[nr].pr_path = slots[i].ps_e->pe_path;
        runs[nr].pr_arg = zonename;
        runs[nr].pr_timeout_ms = slots[i].ps_e->pe_timeout_ms;
        idx[nr++] = i;
    }
    got = plugins_reserve(p, nr);
    for (size_t k = got; k < nr; k++)
        runs[k].pr_status = PLUGIN_RUN_BUSY;
    if (nr > 0 && plugin_run_all(runs, nr, &p->ps_limits) == 0)
        for (size_t k = 0; k < nr; k++)
            plugins_take_run(p, &runs[k], &slots[idx[k]]);
    atomic_fetch_sub(&p->ps_running, (int)got);
    for (size_t k = 0; k < nr; k++)
        plugin_run_release(&runs[k]);
    free(runs);
    free(idx);
}

/*
 * Whether family name is the meta family of one of the plugins
 * (plugin_<q>_metrics_available_boolean of plugin q, ...): a plugin "a"
 * printing "b_metrics_available_boolean" would otherwise fill plugin a_b's.
 */
static int
plugins_meta_clash(const char *name, const pslot_t *slots, size_t n)
{
    static const char *const meta[] = {"_metrics_available_boolean", "_metrics_cached_boolean",
                                       "_metrics_timer_seconds"};
    for (size_t i = 0; i < n; i++) {
        const char *q = slots[i].ps_e->pe_name;
        size_t ql = strlen(q);
        if (strncmp(name, "plugin_", 7) != 0 || strncmp(name + 7, q, ql) != 0)
            continue;
        for (size_t m = 0; m < 3; m++)
            if (strcmp(name + 7 + ql, meta[m]) == 0)
                return 1;
    }
    return 0;
}

/* The first family of frag that fs already has or a plugin's meta block names, or NULL. */
static const char *
plugins_collision(const famset_t *frag, const famset_t *fs, const pslot_t *slots, size_t n)
{
    for (size_t i = 0; i < frag->fs_nfams; i++) {
        const char *name = famset_fam_name(frag, &frag->fs_fams[i]);
        if (plugins_has_family(fs, name) || plugins_meta_clash(name, slots, n))
            return name;
    }
    return NULL;
}

/* Adds each slot's meta block (reference 2.A.3: before its metrics), then its families. */
static int
plugins_emit(pslot_t *slots, size_t n, famset_t *fs)
{
    char meta[PLUGIN_NAME_MAX + 8];
    for (size_t i = 0; i < n; i++) {
        pslot_t *s = &slots[i];
        const char *dup = s->ps_available ? plugins_collision(&s->ps_fs, fs, slots, n) : NULL;
        if (dup != NULL) {
            log_msg(LOG_WARN, "plugin %s: family %s is already in the scrape", s->ps_e->pe_path,
                    dup);
            s->ps_available = 0;
        }
        snprintf(meta, sizeof(meta), "plugin_%s", s->ps_e->pe_name);
        if (scrape_meta(fs, meta, s->ps_available, s->ps_cached, (uint64_t)(s->ps_seconds * 1e9)) !=
            0)
            return -1;
        if (s->ps_available && famset_merge(fs, &s->ps_fs) != 0)
            return -1;
    }
    return 0;
}

/* Fills the scrape's slots: refused, not for this zone, cached, or to run. */
static size_t
plugins_slots(plugins_t *p, const plugin_listing_t *l, const char *kind, const char *zonename,
              pslot_t *slots)
{
    size_t n = 0;
    for (size_t i = 0; i < l->pl_n; i++) {
        const plugin_entry_t *e = &l->pl_entries[i];
        pslot_t *s = &slots[n];
        if (e->pe_shadow || e->pe_name[0] == '\0')
            continue; /* D13f: the first file of that name carries the block; a file
                       * whose name cannot be a metric name has no block to give */
        n++;
        s->ps_e = e;
        famset_init(&s->ps_fs);
        if (e->pe_why[0] != '\0' || !plugin_entry_allows(e, zonename))
            continue; /* available 0, not cached */
        double t0 = cmon_monotime_s();
        snprintf(s->ps_key, sizeof(s->ps_key), "%s/%s/%s", kind, e->pe_file, zonename);
        s->ps_cached = ttlcache_get(p->ps_cache, s->ps_key, &s->ps_fs, &s->ps_available);
        s->ps_seconds = cmon_monotime_s() - t0;
        s->ps_run = !s->ps_cached;
    }
    return n;
}

int
plugins_collect(plugins_t *p, const char *kind, const char *zonename, famset_t *fs)
{
    plugin_snap_t *snap;
    pslot_t *slots;
    size_t n;
    int rc;
    if (p == NULL || cmon_monotime_s() < atomic_load(&p->ps_none_until[strcmp(kind, "vm") == 0]))
        return 0; /* no such directory, as of its last listing */
    if ((snap = snap_get(p, kind)) == NULL)
        return -1;
    const plugin_listing_t *l = &snap->sn_list;
    if (l->pl_state != PLUGIN_DIR_OK) {
        rc = l->pl_state == PLUGIN_DIR_BAD ? scrape_meta(fs, "plugin", 0, 0, 0) : 0;
        snap_release(p, snap);
        return rc;
    }
    if ((slots = calloc(l->pl_n ? l->pl_n : 1, sizeof(*slots))) == NULL) {
        snap_release(p, snap);
        return -1;
    }
    n = plugins_slots(p, l, kind, zonename, slots);
    plugins_run(p, slots, n, zonename);
    rc = plugins_emit(slots, n, fs);
    for (size_t i = 0; i < n; i++)
        famset_release(&slots[i].ps_fs);
    free(slots);
    snap_release(p, snap);
    return rc;
}

size_t
plugins_cache_size(plugins_t *p)
{
    return p != NULL ? ttlcache_size(p->ps_cache) : 0;
}
