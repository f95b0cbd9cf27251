/* gz - the compute node's state and its two extra answers. */
#include "gz.h"
#include "monotime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zone.h>

#include "uuid.h"
#include "discover.h"
#include "discover_alias.h"
#include "ttlcache.h"
#include "zfsvm.h"
#include "zonelist.h"

#define GZ_TARGET_MAX 300
#define GZ_IDENT_MAX 256
#define GZ_MACHINE_ID "/etc/machine-id"

struct gz {
    scrape_env_t gz_env; /* the vm env with the gz collectors and cache */
    double gz_zfs_ttl;
    ttlcache_t *gz_zfs;
    zfsvm_t *gz_zfsvm; /* the libzfs handle of the zfs answers */
    plugins_t *gz_plugins;
    ntp_t *gz_ntp;                 /* the ntp collector: ntpq's answer, once per TTL */
    discover_cache_t *gz_discover; /* rendered target groups */
    discover_alias_t *gz_alias;    /* instances' aliases (libzonecfg) */
    tcore_t *gz_core;              /* triton_core: core zones. VM records and results */
    char gz_target[GZ_TARGET_MAX]; /* set once before serving, read-only after */
    cache_t *gz_vm_cache;          /* the instances' cache (the agent's; NULL: off) */
    char gz_datacenter[GZ_IDENT_MAX], gz_server[GZ_IDENT_MAX]; /* own metrics' labels */
};

static unsigned
gz_ncollectors(void)
{
    unsigned n = 0;
    while (collectors_gz[n] != NULL)
        n++;
    return n;
}

/*
 * The server label: --server-uuid, else this machine's identity, /etc/machine-id
 * (32 hex digits, systemd's), written as a UUID as SmartOS writes a compute
 * node's; else the nil UUID.
 */
static void
gz_server_uuid(const char *given, char *out, size_t len)
{
    char id[64] = "";
    FILE *f;
    if (given != NULL) {
        snprintf(out, len, "%s", given);
        return;
    }
    snprintf(out, len, "00000000-0000-0000-0000-000000000000");
    if ((f = fopen(GZ_MACHINE_ID, "re")) == NULL)
        return;
    if (fgets(id, sizeof(id), f) != NULL && strspn(id, "0123456789abcdef") == 32)
        snprintf(out, len, "%.8s-%.4s-%.4s-%.4s-%.12s", id, id + 8, id + 12, id + 16, id + 20);
    fclose(f);
}

gz_t *
gz_new(const gz_opts_t *o, const scrape_env_t *vm, double cache_ttl)
{
    gz_t *gz = calloc(1, sizeof(*gz));
    if (gz == NULL)
        return NULL;
    gz->gz_env = *vm;
    gz->gz_env.se_collectors = collectors_gz;
    gz->gz_env.se_vminfo = NULL; /* the node's collectors ask vminfod nothing */
    gz->gz_env.se_cache = cache_ttl > 0 ? cache_new(gz_ncollectors(), cache_ttl) : NULL;
    gz->gz_zfs_ttl = o->go_zfs_ttl;
    gz->gz_zfs = ttlcache_new_live(zonelist_running); /* by uuid: the zone's name */
    gz->gz_zfsvm = zfsvm_new();
    gz->gz_plugins = plugins_new(&o->go_plugins);
    gz->gz_ntp = ntp_new(&o->go_ntp);
    gz->gz_discover = discover_cache_new();
    gz->gz_alias = discover_alias_new();
    gz->gz_core = tcore_new(&o->go_core, vm->se_vminfo);
    snprintf(gz->gz_target, sizeof(gz->gz_target), "127.0.0.1:9163");
    gz->gz_vm_cache = vm->se_cache;
    snprintf(gz->gz_datacenter, sizeof(gz->gz_datacenter), "%s",
             o->go_datacenter != NULL ? o->go_datacenter : GZ_DATACENTER_DEFAULT);
    gz_server_uuid(o->go_server, gz->gz_server, sizeof(gz->gz_server));
    if ((cache_ttl > 0 && gz->gz_env.se_cache == NULL) || gz->gz_zfs == NULL ||
        gz->gz_zfsvm == NULL || gz->gz_plugins == NULL || gz->gz_ntp == NULL ||
        gz->gz_discover == NULL || gz->gz_alias == NULL || gz->gz_core == NULL) {
        gz_free(gz);
        errno = ENOMEM;
        return NULL;
    }
    return gz;
}

void
gz_free(gz_t *gz)
{
    if (gz == NULL)
        return;
    cache_free(gz->gz_env.se_cache);
    ttlcache_free(gz->gz_zfs);
    zfsvm_free(gz->gz_zfsvm);
    plugins_free(gz->gz_plugins);
    ntp_free(gz->gz_ntp);
    discover_cache_free(gz->gz_discover);
    discover_alias_free(gz->gz_alias);
    tcore_free(gz->gz_core);
    free(gz);
}

void
gz_set_target(gz_t *gz, const char *addr, unsigned port)
{
    if (strchr(addr, ':') != NULL)
        snprintf(gz->gz_target, sizeof(gz->gz_target), "[%s]:%u", addr, port);
    else
        snprintf(gz->gz_target, sizeof(gz->gz_target), "%s:%u", addr, port);
}

/* One gz scrape's state for its hook: the ntp collector's turn. */
typedef struct gz_req {
    gz_t *gr_gz;
    ntp_turn_t gr_ntp;
} gz_req_t;

/* The gz endpoint's hook: its plugins at the head of the body, ntp at its place. */
static int
gz_extra(void *ctx, const char *collector, const char *zone, famset_t *fs)
{
    (void)zone;
    gz_req_t *r = ctx;
    if (strcmp(collector, "plugin") == 0)
        return plugins_collect(r->gr_gz->gz_plugins, "gz", GLOBAL_ZONENAME, fs);
    if (strcmp(collector, "ntp") == 0)
        return ntp_collect(r->gr_gz->gz_ntp, &r->gr_ntp, fs);
    return 0;
}

int
gz_scrape(gz_t *gz, famset_t *fs)
{
    if (gz == NULL) {
        errno = ENOENT;
        return SCRAPE_ERROR;
    }
    /* ntpq runs (once per TTL) here, before a kstat reader is taken: a slow
     * ntpq holds no reader other scrapes wait for. */
    gz_req_t r = {.gr_gz = gz};
    ntp_refresh(gz->gz_ntp, &r.gr_ntp);
    scrape_extra_t x = {gz_extra, &r};
    int rc = scrape_instance_with(&gz->gz_env, &x, GLOBAL_ZONENAME, fs);
    if (rc != SCRAPE_OK) {
        if (rc == SCRAPE_NOTFOUND)
            errno = ENOENT;
        return SCRAPE_ERROR;
    }
    selfstats_ident_t id = {gz->gz_datacenter, gz->gz_server,
                            gz->gz_env.se_names == NAMES_PROMETHEUS};
    size_t items = cache_size(gz->gz_vm_cache) + cache_size(gz->gz_env.se_cache) +
                   ttlcache_size(gz->gz_zfs) + plugins_cache_size(gz->gz_plugins);
    if (selfstats_fill_cmon(gz->gz_env.se_stats, &id, items, fs) != 0) {
        errno = ENOMEM;
        return SCRAPE_ERROR;
    }
    return SCRAPE_OK;
}

/*
 * The zfs families of uuid, through the cache; sets *cached. 1 available,
 * 0 not. The cache keeps the dataset's property values, not their families:
 * 88 bytes an instance where a famset took ~480 (4 MB at 10,000 zones).
 */
static int
gz_zfs(gz_t *gz, const char *uuid, famset_t *fs, int *cached)
{
    zfsvm_values_t v;
    *cached = gz->gz_zfs_ttl > 0 && ttlcache_get_bytes(gz->gz_zfs, uuid, &v, sizeof(v));
    if (gz->gz_zfs_ttl > 0)
        selfstats_cache(gz->gz_env.se_stats, *cached); /* cache_gets_total counts these too */
    if (!*cached) {
        if (zfsvm_read(gz->gz_zfsvm, uuid, &v) != 0)
            return 0;
        if (gz->gz_zfs_ttl > 0)
            (void)ttlcache_put_bytes(gz->gz_zfs, uuid, &v, sizeof(v), gz->gz_zfs_ttl);
    }
    famset_mark_t mark = famset_mark(fs);
    if (zfsvm_emit(&v, uuid, gz->gz_env.se_names, fs) == 0)
        return 1;
    famset_truncate(fs, &mark); /* nothing half-emitted stays */
    return 0;
}

/* The zfs collector of uuid: its meta block, then its families. 0 or -1. */
static int
gz_vm_zfs(gz_t *gz, const char *uuid, famset_t *fs)
{
    scrape_meta_t m;
    if (scrape_meta_begin(fs, "zfs", &m) != 0)
        return -1;
    double t0 = cmon_monotime_s();
    int cached, available = gz_zfs(gz, uuid, fs, &cached);
    return scrape_meta_end(fs, &m, available, cached, (uint64_t)((cmon_monotime_s() - t0) * 1e9));
}

int
gz_vm_extra(gz_t *gz, int core_zone, const char *collector, const char *uuid, famset_t *fs)
{
    if (strcmp(collector, "triton_core") == 0)
        return !core_zone   ? 0
               : gz != NULL ? tcore_collect(gz->gz_core, uuid, fs)
                            : scrape_triton_core(uuid, fs);
    if (gz == NULL)
        return 0;
    if (strcmp(collector, "zfs") == 0)
        return gz_vm_zfs(gz, uuid, fs);
    if (strcmp(collector, "plugin") == 0)
        return plugins_collect(gz->gz_plugins, "vm", uuid, fs);
    return 0;
}

int
gz_core_check(gz_t *gz, const char *uuid)
{
    return gz != NULL && tcore_is_core(gz->gz_core, uuid);
}

void
gz_forget_vms(gz_t *gz)
{
    if (gz != NULL)
        tcore_forget(gz->gz_core);
}

/* ---- discovery ------------------------------------------------------ */

/* The running instance with id into names (ZONENAME_MAX) and brands; 0 or -1. */
static int
gz_instance(zoneid_t id, char *name, char *brand)
{
    int st;
    if (id == GLOBAL_ZONEID || zone_getattr(id, ZONE_ATTR_STATUS, &st, sizeof(st)) < 0 ||
        st != ZONE_IS_RUNNING || getzonenamebyid(id, name, ZONENAME_MAX) < 0 ||
        zone_getattr(id, ZONE_ATTR_BRAND, brand, 32) < 0)
        return -1;
    brand[31] = '\0';
    return agent_valid_uuid(name) ? 0 : -1;
}

/* The running instances into v (names, brands and ids into their arrays); their number. */
static size_t
gz_instances(const zoneid_t *ids, long n, char (*names)[ZONENAME_MAX], char (*brands)[32],
             discover_instance_t *v, zoneid_t *vids)
{
    size_t k = 0;
    for (long i = 0; i < n; i++) {
        if (gz_instance(ids[i], names[k], brands[k]) != 0)
            continue;
        v[k] = (discover_instance_t){names[k], brands[k], NULL};
        vids[k++] = ids[i];
    }
    return k;
}

char *
gz_discover(gz_t *gz, size_t *len)
{
    if (gz == NULL) {
        errno = ENOENT;
        return NULL;
    }
    zoneid_t *ids;
    long n = zonelist_ids(&ids);
    if (n < 0)
        return NULL;
    size_t m = (size_t)(n ? n : 1);
    char(*names)[ZONENAME_MAX] = malloc(m * ZONENAME_MAX);
    char(*brands)[32] = malloc(m * 32);
    discover_instance_t *v = malloc(m * sizeof(*v));
    zoneid_t *vids = malloc(m * sizeof(*vids));
    sbuf_t aliases = SBUF_INIT; /* the aliases v points into */
    char *doc = NULL;
    if (names != NULL && brands != NULL && v != NULL && vids != NULL) {
        size_t k = gz_instances(ids, n, names, brands, v, vids);
        if (discover_alias_fill(gz->gz_alias, v, vids, k, cmon_monotime_s(), &aliases) == 0)
            doc = discover_cache_json(gz->gz_discover, v, k, gz->gz_target, len);
    } else {
        errno = ENOMEM;
    }
    free(ids);
    free(names);
    free(brands);
    free(v);
    free(vids);
    sbuf_release(&aliases);
    return doc;
}
