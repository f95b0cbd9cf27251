/* parser.c - what the text and OpenMetrics parsers share (cf.h, "formats"). */
#include <stdlib.h>

#include "cf.h"

int
cf_parser_init(cf_parser_t *pa, cf_checker_t *c, int om)
{
    pa->pa_c = c;
    pa->pa_labels = NULL;
    pa->pa_cap = 0;
    pa->pa_fs = cf_fam_new(c, om);
    return pa->pa_fs != NULL ? 0 : -1;
}

void
cf_parser_fini(cf_parser_t *pa)
{
    cf_fam_free(pa->pa_fs);
    free(pa->pa_labels);
}

cf_label_t *
cf_parser_label(cf_parser_t *pa, size_t n)
{
    cf_label_t *l = cf_grow(pa->pa_labels, &pa->pa_cap, n, sizeof(*l), 16);
    if (l == NULL)
        return NULL;
    pa->pa_labels = l;
    return &pa->pa_labels[n];
}

void
cf_parser_report(cf_parser_t *pa, size_t i, const char *rule, const char *msg)
{
    cf_report(pa->pa_c, cf_line(pa->pa_c), i + 1, rule, "%s", msg);
}

size_t
cf_name_end(const char *p, size_t len, size_t i)
{
    if (i >= len || !CF_IS(p[i], CF_C_NAME0))
        return i;
    for (i++; i < len && CF_IS(p[i], CF_C_NAME); i++)
        ;
    return i;
}
