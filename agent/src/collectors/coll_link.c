/*
 * link - traffic of a zone's VNICs, from link:0:z<zoneid>_<nic> (class net),
 * as the original's link collector (reference 2.6): its four families in
 * its order and words, one sample per VNIC in kstat-name order, labelled
 *   interface     the kstat name with z<digits>_<non-digits> made "vnic"
 *                 (z26_net0 -> vnic0: stable across reboots);
 *   nic_tag,      of the VM's NIC (vminfod) whose interface is the kstat
 *   network_uuid  name without z<digits>_; both absent when none is, ""
 *                 for a field that NIC lacks (the original: "undefined").
 * The NICs come from vminfo (no request per scrape: kept per boot of the
 * zone, keyed by the link kstats' KIDs and the zone id). Without any NIC
 * list for the zone (vminfod down, slow, garbage from the first ask) the
 * collector fails, so link says available 0 instead of serving samples
 * whose labels would change once vminfod answers (D14).
 */
#include "collector.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strhash.h"
#include "vminfo.h"

#define LINK_MAX 64
#define LINK_LABEL_MAX 64

/* The original's rows, in its order (reference 2.6). */
static const kstat_metric_t link_table[] = {
    {.km_module = "link",
     .km_stat = "ipackets64",
     .km_name = "net_agg_packets_in",
     .km_prom = "net_receive_packets_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "packets",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Aggregate inbound packets",
     .km_prom_help = "Packets received on the interface."},
    {.km_module = "link",
     .km_stat = "obytes64",
     .km_name = "net_agg_bytes_out",
     .km_prom = "net_transmit_bytes_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Aggregate outbound bytes",
     .km_prom_help = "Bytes sent on the interface."},
    {.km_module = "link",
     .km_stat = "opackets64",
     .km_name = "net_agg_packets_out",
     .km_prom = "net_transmit_packets_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "packets",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Aggregate outbound packets",
     .km_prom_help = "Packets sent on the interface."},
    {.km_module = "link",
     .km_stat = "rbytes64",
     .km_name = "net_agg_bytes_in",
     .km_prom = "net_receive_bytes_total",
     .km_type = METRIC_COUNTER,
     .km_unit = "bytes",
     .km_scale = 1,
     .km_prom_scale = 1,
     .km_help = "Aggregate inbound bytes",
     .km_prom_help = "Bytes received on the interface."},
};

#define NROWS (sizeof(link_table) / sizeof(link_table[0]))

/* ---- names --------------------------------------------------------------- */

/* Length of the z<digits>_ prefix of name, 0 when it has none. */
static size_t
link_prefix_len(const char *name)
{
    size_t i = 1;

    if (name[0] != 'z' || !isdigit((unsigned char)name[1]))
        return 0;
    while (isdigit((unsigned char)name[i]))
        i++;
    return name[i] == '_' ? i + 1 : 0;
}

/* prefix then s into out[len], cut to fit (as snprintf's "%s%s"). */
static void
link_join(char *out, size_t len, const char *prefix, const char *s)
{
    size_t np = strnlen(prefix, len - 1);
    size_t ns = strnlen(s, len - 1 - np);
    memcpy(out, prefix, np);
    memcpy(out + np, s, ns);
    out[np + ns] = '\0';
}

/* The interface label: z<digits>_<non-digits> replaced by "vnic", else name as it is. */
static void
link_interface(const char *name, char *out, size_t len)
{
    size_t p = link_prefix_len(name);

    if (p == 0 || name[p] == '\0' || isdigit((unsigned char)name[p])) {
        link_join(out, len, "", name);
        return;
    }
    while (name[p] != '\0' && !isdigit((unsigned char)name[p]))
        p++;
    link_join(out, len, "vnic", name + p);
}

static int
link_by_name(const void *a, const void *b)
{
    return strcmp((*(kstat_t *const *)a)->ks_name, (*(kstat_t *const *)b)->ks_name);
}

/* The links' signature: their KIDs and the zone id change with every boot. */
static uint64_t
link_signature(int zoneid, kstat_t *const *links, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(uint32_t)zoneid;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint64_t)links[i]->ks_kid) * 0x100000001b3ULL;
    return h;
}

/* ---- emitting ------------------------------------------------------------ */

/* One VNIC's rows with its labels. COLLECT_OK also for a VNIC of another zone. */
static int
link_emit(const collect_ctx_t *cc, famset_t *fs, kstat_t *ksp, const vminfo_nics_t *nics)
{
    if (collector_zone_check(cc, ksp) != COLLECT_OK)
        return COLLECT_OK; /* a stale name: the zonename stat decides */
    char ifname[LINK_LABEL_MAX];
    link_interface(ksp->ks_name, ifname, sizeof(ifname));
    const vminfo_nic_t *nic =
        nics ? vminfo_find(nics, ksp->ks_name + link_prefix_len(ksp->ks_name)) : NULL;
    const char *names[3] = {"interface", "nic_tag", "network_uuid"};
    const char *values[3] = {ifname, nic ? nic->vn_nic_tag : NULL,
                             nic ? nic->vn_network_uuid : NULL};
    size_t nl = nic ? 3 : 1, cursor = 0;
    for (size_t i = 0; i < NROWS; i++) {
        const kstat_metric_t *row = &link_table[i];
        uint64_t raw;
        if (collector_value_at(ksp, row->km_stat, &raw, &cursor) != 0)
            return collector_missing(cc, ksp, row->km_stat) == 0 ? COLLECT_OK : COLLECT_FAILED;
        int prom = cc->cc_names == NAMES_PROMETHEUS;
        int fam = famset_family_static(fs, prom ? row->km_prom : row->km_name,
                                       prom ? row->km_prom_help : row->km_help, row->km_type);
        if (fam < 0 || famset_sample(fs, fam, SAMPLE_PLAIN, nl, names, values, mval_u64(raw)) != 0)
            return COLLECT_FAILED;
    }
    return COLLECT_OK;
}

static int
link_collect(const collect_ctx_t *cc, famset_t *fs)
{
    kstat_t *links[LINK_MAX];
    vminfo_nics_t nics;
    size_t n = kreader_links(cc->cc_reader, cc->cc_zoneid, links, LINK_MAX);
    if (n > LINK_MAX)
        n = LINK_MAX;
    for (size_t i = 0; i < n; i++)
        if (kreader_read(cc->cc_reader, links[i]) != 0)
            return COLLECT_FAILED;
    qsort(links, n, sizeof(links[0]), link_by_name);
    if (n > 0 && cc->cc_vminfo != NULL &&
        vminfo_get_kept(cc->cc_vminfo, cc->cc_zonename, cc->cc_zoneid,
                        link_signature(cc->cc_zoneid, links, n), &nics) < 0)
        return COLLECT_FAILED; /* no NICs known: available 0, never labels that change */
    for (size_t i = 0; i < n; i++)
        if (link_emit(cc, fs, links[i], cc->cc_vminfo ? &nics : NULL) != COLLECT_OK)
            return COLLECT_FAILED;
    return COLLECT_OK;
}

const collector_t collector_link = {"link",       link_table, NROWS,
                                    link_collect, 1,          COLLECTOR_META("link")};
