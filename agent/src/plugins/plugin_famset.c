/*
 * plugin_famset - a plugin's parsed output (plugin.h) into the agent's
 * families (famset.h), refusing what would break the scrape.
 */
#include "plugins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PLUGIN_LABELS_MAX <= FAMSET_MAX_LABELS,
               "a plugin sample's labels fit a famset sample");

int
plugins_has_family(const famset_t *fs, const char *name)
{
    return famset_lookup(fs, name) >= 0; /* hashed: a scrape checks every plugin family */
}

/*
 * Splits a validated label text (a="x",b="y") into names and unescaped
 * values, written into buf. Returns the number of labels, -1 when more
 * than FAMSET_MAX_LABELS.
 */
static int
plugins_labels(const char *s, char *buf, const char **ln, const char **lv)
{
    int n = 0;
    while (s != NULL && *s != '\0') {
        if (n == FAMSET_MAX_LABELS)
            return -1;
        ln[n] = buf;
        while (*s != '=')
            *buf++ = *s++;
        *buf++ = '\0';
        s += 2; /* =" */
        lv[n++] = buf;
        for (; *s != '"'; s++) {
            if (*s == '\\') {
                s++;
                *buf++ = *s == 'n' ? '\n' : *s;
            } else {
                *buf++ = *s;
            }
        }
        *buf++ = '\0';
        s++;
        if (*s == ',')
            s++;
    }
    return n;
}

static metric_type_t
plugins_type(plugin_metric_type_t t)
{
    return t == PLUGIN_TYPE_COUNTER     ? METRIC_COUNTER
           : t == PLUGIN_TYPE_HISTOGRAM ? METRIC_HISTOGRAM
                                        : METRIC_GAUGE;
}

static int
plugins_sample(const plugin_output_t *po, const plugin_sample_t *ps, const int *fams, famset_t *fs,
               char *err, size_t errlen)
{
    static const sample_part_t parts[] = {SAMPLE_PLAIN, SAMPLE_BUCKET, SAMPLE_SUM, SAMPLE_COUNT};
    const char *ln[FAMSET_MAX_LABELS], *lv[FAMSET_MAX_LABELS];
    char *buf = malloc(ps->ps_labels ? strlen(ps->ps_labels) + 1 : 1);
    int nl = buf ? plugins_labels(ps->ps_labels, buf, ln, lv) : -1, rc;
    if (nl < 0)
        snprintf(err, errlen, "%s has more than %d labels", po->po_families[ps->ps_family].pf_name,
                 FAMSET_MAX_LABELS);
    rc = nl < 0 ? -1
                : famset_sample(fs, fams[ps->ps_family], parts[ps->ps_part], (size_t)nl, ln, lv,
                                mval_dbl(ps->ps_value));
    free(buf);
    return rc;
}

int
plugins_to_famset(const plugin_output_t *po, famset_t *fs, char *err, size_t errlen)
{
    famset_t tmp = FAMSET_INIT;
    int rc = 0, *fams = calloc(po->po_nfamilies + 1, sizeof(*fams));
    snprintf(err, errlen, "out of memory");
    for (size_t i = 0; fams != NULL && i < po->po_nfamilies && rc == 0; i++) {
        const plugin_family_t *pf = &po->po_families[i];
        if (plugins_has_family(fs, pf->pf_name)) {
            snprintf(err, errlen, "family %s is already in the scrape", pf->pf_name);
            rc = -1;
            break;
        }
        fams[i] = famset_family(&tmp, pf->pf_name, pf->pf_help, plugins_type(pf->pf_type));
        rc = fams[i] < 0 ? -1 : 0;
    }
    for (size_t i = 0; fams != NULL && rc == 0 && i < po->po_nsamples; i++)
        rc = plugins_sample(po, &po->po_samples[i], fams, &tmp, err, errlen);
    if (fams == NULL)
        rc = -1;
    if (rc == 0)
        rc = famset_merge(fs, &tmp);
    free(fams);
    famset_release(&tmp);
    return rc;
}
