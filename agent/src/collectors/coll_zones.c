/*
 * zones - how many zones the compute node has, by kernel state and brand
 * (zone_list, zone_getattr ZONE_ATTR_STATUS and ZONE_ATTR_BRAND), the global
 * zone included. Only zones the kernel knows are counted: a halted zone has
 * no zoneid and is not there. A zone that disappears between zone_list and
 * zone_getattr is simply not counted.
 */
#include "collector.h"
#include "zonelist.h"

#include <stdlib.h>
#include <string.h>
#include <zone.h>

#define ZONES_KINDS 64 /* distinct (state, brand) pairs counted */
#define BRAND_LEN 32

static const kstat_metric_t zones_table[] = {
    {"", "", "zones", "zones", METRIC_GAUGE, "zones", 1, 1,
     "Zones the kernel knows, by state and brand.", "Zones the kernel knows, by state and brand."},
};

static const char *const zones_state_names[] = {
    "uninitialized", "initialized", "ready", "booting", "running",
    "shutting_down", "empty",       "down",  "dying",   "dead",
};

typedef struct zones_kind {
    int zk_state;
    char zk_brand[BRAND_LEN];
    uint64_t zk_count;
} zones_kind_t;

/* Counts zone id in kinds; 0, or -1 when it is gone (not counted). */
static int
zones_count_one(zoneid_t id, zones_kind_t *kinds, size_t *nkinds)
{
    int st = 0;
    char brand[ZONE_BRAND_MAX];
    if (zone_getattr(id, ZONE_ATTR_STATUS, &st, sizeof(st)) < 0 ||
        zone_getattr(id, ZONE_ATTR_BRAND, brand, sizeof(brand)) < 0)
        return -1;
    if (st < 0 || st > ZONE_IS_DEAD)
        st = ZONE_IS_UNINITIALIZED;
    for (size_t i = 0; i < *nkinds; i++) {
        if (kinds[i].zk_state == st && strncmp(kinds[i].zk_brand, brand, BRAND_LEN - 1) == 0) {
            kinds[i].zk_count++;
            return 0;
        }
    }
    if (*nkinds == ZONES_KINDS)
        return -1;
    kinds[*nkinds].zk_state = st;
    strncpy(kinds[*nkinds].zk_brand, brand, BRAND_LEN - 1);
    kinds[*nkinds].zk_brand[BRAND_LEN - 1] = '\0';
    kinds[(*nkinds)++].zk_count = 1;
    return 0;
}

static int
zones_collect(const collect_ctx_t *cc, famset_t *fs)
{
    zones_kind_t kinds[ZONES_KINDS];
    size_t nkinds = 0;
    zoneid_t *ids;
    long n = zonelist_ids(&ids);
    (void)cc;
    if (n < 0)
        return COLLECT_FAILED;
    for (long i = 0; i < n; i++)
        (void)zones_count_one(ids[i], kinds, &nkinds);
    free(ids);
    int fam = famset_family(fs, zones_table[0].km_name, zones_table[0].km_help, METRIC_GAUGE);
    for (size_t i = 0; i < nkinds && fam >= 0; i++) {
        const char *ln[2] = {"state", "brand"};
        const char *lv[2] = {zones_state_names[kinds[i].zk_state], kinds[i].zk_brand};
        famset_sample(fs, fam, SAMPLE_PLAIN, 2, ln, lv, mval_u64(kinds[i].zk_count));
    }
    return famset_failed(fs) ? COLLECT_FAILED : COLLECT_OK;
}

const collector_t collector_zones = {"zones",       zones_table, 1,
                                     zones_collect, 0,           COLLECTOR_META("zones")};
