/*
 * plugin_famset - a plugin's parsed output (plugin.h) into the agent's
 * families (famset.h), refusing what would break the scrape.
 */
#include "plugins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
plugins_has_family(const famset_t *fs, const char *name)
{
    for (size_t i = 0; i < fs->fs_nfams; i++)
        if (strcmp(famset_fam_name(fs, &fs->fs_fams[i]), name) == 0)
            return 1;
    return 0;
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

/* HELP as the writer wants it: the text format's escapes undone. */
static void
plugins_unescape(const char *s, char *out)
{
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == '\\' || s[1] == 'n')) {
            s++;
            *out++ = *s == 'n' ? '\n' : '\\';
        } else {
            *out++ = *s;
        }
    }
    *out = '\0';
}

static int
plugins_family(const plugin_family_t *pf, famset_t *fs, char *err, size_t errlen)
{
    metric_type_t t = pf->pf_type == PLUGIN_TYPE_COUNTER ? METRIC_COUNTER : METRIC_GAUGE;
    char *help = malloc(pf->pf_help ? strlen(pf->pf_help) + 1 : 1);
    int fam, rc = 0;
    if (help == NULL)
        return -1;
    plugins_unescape(pf->pf_help ? pf->pf_help : "", help);
    fam = famset_family(fs, pf->pf_name, help, t);
    free(help);
    for (size_t j = 0; fam >= 0 && rc == 0 && j < pf->pf_nsamples; j++) {
        const plugin_sample_t *ps = &pf->pf_samples[j];
        const char *ln[FAMSET_MAX_LABELS], *lv[FAMSET_MAX_LABELS];
        char *buf = malloc(ps->ps_labels ? strlen(ps->ps_labels) + 1 : 1);
        int nl = buf ? plugins_labels(ps->ps_labels, buf, ln, lv) : -1;
        if (nl < 0)
            snprintf(err, errlen, "%s has more than %d labels", pf->pf_name, FAMSET_MAX_LABELS);
        rc = nl < 0
                 ? -1
                 : famset_sample(fs, fam, SAMPLE_PLAIN, (size_t)nl, ln, lv, mval_dbl(ps->ps_value));
        free(buf);
    }
    return fam < 0 ? -1 : rc;
}

int
plugins_to_famset(const plugin_output_t *po, famset_t *fs, char *err, size_t errlen)
{
    famset_t tmp = FAMSET_INIT;
    int rc = 0;
    snprintf(err, errlen, "out of memory");
    for (size_t i = 0; i < po->po_nfamilies && rc == 0; i++) {
        if (plugins_has_family(fs, po->po_families[i].pf_name)) {
            snprintf(err, errlen, "family %s is already in the scrape", po->po_families[i].pf_name);
            rc = -1;
            break;
        }
        rc = plugins_family(&po->po_families[i], &tmp, err, errlen);
    }
    if (rc == 0)
        rc = famset_merge(fs, &tmp);
    famset_release(&tmp);
    return rc;
}
