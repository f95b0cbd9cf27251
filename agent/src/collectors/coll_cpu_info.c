/*
 * cpu_info - what the CPUs are, from cpu_info:<n>:cpu_info<n>.
 *
 * cmon names: Triton's cmon-agent's one family (reference 3.2),
 * cpu_info_model, a gauge without labels whose value is CPU 0's model
 * number (the INT32 record `model`), with its HELP.
 *
 * --metric-names prometheus: cpu_info_model for every CPU, labelled with
 * its cpu_id, vendor and brand (the STRING records vendor_id and brand, as
 * psrinfo -v shows them).
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CPU_MAX 4096
#define CPU_GAP 64

static const kstat_metric_t cpu_info_table[] = {
    {"cpu_info", "model", "cpu_info_model", "cpu_info_model", METRIC_GAUGE, "model number", 1, 1,
     "CPU model", "CPU model number, labelled with the CPU's vendor and brand."},
};

/* Copies a string or char record into buf ("" when absent). */
static void
cpu_info_str(kstat_t *ksp, const char *stat, char *buf, size_t len)
{
    kstat_named_t *kn = kstat_data_lookup(ksp, stat);
    buf[0] = '\0';
    if (kn == NULL)
        return;
    if (kn->data_type == KSTAT_DATA_STRING && KSTAT_NAMED_STR_PTR(kn) != NULL)
        snprintf(buf, len, "%s", KSTAT_NAMED_STR_PTR(kn));
    else if (kn->data_type == KSTAT_DATA_CHAR)
        snprintf(buf, len, "%.*s", (int)sizeof(kn->value.c), kn->value.c);
}

/* --metric-names prometheus: CPU n's sample with its labels. */
static int
cpu_info_labelled(famset_t *fs, kstat_t *ksp, int n, uint64_t model)
{
    char id[16], vendor[64], brand[128];
    snprintf(id, sizeof(id), "%d", n);
    cpu_info_str(ksp, "vendor_id", vendor, sizeof(vendor));
    cpu_info_str(ksp, "brand", brand, sizeof(brand));
    const char *ln[3] = {"cpu_id", "vendor", "brand"};
    const char *lv[3] = {id, vendor, brand};
    const kstat_metric_t *row = &cpu_info_table[0];
    int fam = famset_family_static(fs, row->km_prom, row->km_prom_help, row->km_type);
    if (fam < 0 || famset_sample(fs, fam, SAMPLE_PLAIN, 3, ln, lv, mval_u64(model)) != 0)
        return COLLECT_FAILED;
    return COLLECT_OK;
}

/* CPU n's kstat, read, or NULL (errno ENOENT when there is none). */
static kstat_t *
cpu_info_read(const collect_ctx_t *cc, int n)
{
    char name[KSTAT_STRLEN];
    snprintf(name, sizeof(name), "cpu_info%d", n);
    kstat_t *ksp = kreader_find(cc->cc_reader, "cpu_info", n, name);
    if (ksp == NULL) {
        errno = ENOENT;
        return NULL;
    }
    return kreader_read(cc->cc_reader, ksp) == 0 ? ksp : NULL;
}

/* The original's: CPU 0's model, no labels. */
static int
cpu_info_cmon(const collect_ctx_t *cc, famset_t *fs)
{
    uint64_t model;
    kstat_t *ksp = cpu_info_read(cc, 0);
    if (ksp == NULL || collector_value(ksp, "model", &model) != 0)
        return COLLECT_FAILED;
    return collector_emit(cc, fs, &cpu_info_table[0], model, NULL, NULL) == 0 ? COLLECT_OK
                                                                              : COLLECT_FAILED;
}

static int
cpu_info_collect(const collect_ctx_t *cc, famset_t *fs)
{
    int found = 0, gap = 0;
    if (cc->cc_names == NAMES_CMON)
        return cpu_info_cmon(cc, fs);
    for (int n = 0; n < CPU_MAX && gap < CPU_GAP; n++) {
        uint64_t model;
        kstat_t *ksp = cpu_info_read(cc, n);
        if (ksp == NULL && errno == ENOENT) {
            gap++;
            continue;
        }
        gap = 0;
        if (ksp == NULL || collector_value(ksp, "model", &model) != 0 ||
            cpu_info_labelled(fs, ksp, n, model) != COLLECT_OK)
            return COLLECT_FAILED;
        found++;
    }
    if (found == 0)
        errno = ENOENT;
    return found > 0 ? COLLECT_OK : COLLECT_FAILED;
}

const collector_t collector_cpu_info = {
    "cpu_info", cpu_info_table, 1, cpu_info_collect, 1, COLLECTOR_META("cpu_info")};
