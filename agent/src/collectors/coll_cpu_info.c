/*
 * cpu_info - what each CPU is, from cpu_info:<n>:cpu_info<n>: the model
 * number as the value, labelled with cpu_id, vendor and brand strings (as
 * psrinfo -v shows them).
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CPU_MAX 4096

static const kstat_metric_t cpu_info_table[] = {
    {"cpu_info", "model", "cpu_info_model", "cpu_info_model", METRIC_GAUGE, "model number", 1, 1,
     "CPU model number, labelled with the CPU's vendor and brand.",
     "CPU model number, labelled with the CPU's vendor and brand."},
};

/* Copies a string or char stat into buf ("" when absent). */
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

static int
cpu_info_emit(famset_t *fs, kstat_t *ksp, int n)
{
    char id[16], vendor[64], brand[128];
    uint64_t model;
    if (collector_value(ksp, "model", &model) != 0)
        return COLLECT_FAILED;
    snprintf(id, sizeof(id), "%d", n);
    cpu_info_str(ksp, "vendor_id", vendor, sizeof(vendor));
    cpu_info_str(ksp, "brand", brand, sizeof(brand));
    const char *ln[3] = {"cpu_id", "vendor", "brand"};
    const char *lv[3] = {id, vendor, brand};
    const kstat_metric_t *row = &cpu_info_table[0];
    int fam = famset_family(fs, row->km_name, row->km_help, row->km_type);
    if (fam < 0 || famset_sample(fs, fam, SAMPLE_PLAIN, 3, ln, lv, mval_u64(model)) != 0)
        return COLLECT_FAILED;
    return COLLECT_OK;
}

static int
cpu_info_collect(const collect_ctx_t *cc, famset_t *fs)
{
    char name[KSTAT_STRLEN];
    int found = 0, gap = 0;
    for (int n = 0; n < CPU_MAX && gap < 64; n++) {
        snprintf(name, sizeof(name), "cpu_info%d", n);
        kstat_t *ksp = kreader_find(cc->cc_reader, "cpu_info", n, name);
        if (ksp == NULL) {
            gap++;
            continue;
        }
        gap = 0;
        if (kreader_read(cc->cc_reader, ksp) != 0 || cpu_info_emit(fs, ksp, n) != COLLECT_OK)
            return COLLECT_FAILED;
        found++;
    }
    if (found == 0)
        errno = ENOENT;
    return found > 0 ? COLLECT_OK : COLLECT_FAILED;
}

const collector_t collector_cpu_info = {"cpu_info", cpu_info_table, 1, cpu_info_collect, 1};
