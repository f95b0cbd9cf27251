/*
 * landing - the page an HTTP server of ours answers at GET /, as Prometheus
 * exporters do (node_exporter's "Node Exporter / Metrics" page): the
 * program's name and version, a line saying what it serves, and one line per
 * endpoint, a link where the endpoint is a plain GET path. A browser (an
 * Accept header naming text/html) gets HTML; curl and the rest get the same
 * lines as plain text.
 */
#ifndef CMON_LANDING_H
#define CMON_LANDING_H

#include <stddef.h>

/* One endpoint. */
typedef struct cmon_landing_link {
    const char *ll_method; /* "GET", "POST" ... */
    const char *ll_path;   /* "/metrics"; with a '<' (a placeholder) it is shown, not linked */
    const char *ll_doc;    /* one line: what it answers */
} cmon_landing_link_t;

typedef struct cmon_landing {
    const char *lp_program; /* "cmon-agent" */
    const char *lp_version; /* CMON_VERSION */
    const char *lp_summary; /* one sentence */
    const cmon_landing_link_t *lp_links;
    size_t lp_nlinks;
} cmon_landing_t;

/*
 * cmon_landing_render() - the page, HTML when html is 1, else plain text.
 * Returns a malloc'd NUL-terminated string the caller frees (*len its
 * length), or NULL with errno set (ENOMEM). Text is escaped for HTML.
 */
char *cmon_landing_render(const cmon_landing_t *page, int html, size_t *len);

/*
 * cmon_landing_wants_html() - 1 when the Accept header (NULL: absent) names
 * text/html or application/xhtml+xml with a q-value above 0, else 0.
 */
int cmon_landing_wants_html(const char *accept);

/* The Content-Type of each form. */
#define CMON_LANDING_CT_HTML "text/html; charset=utf-8"
#define CMON_LANDING_CT_TEXT "text/plain; charset=utf-8"

#endif /* CMON_LANDING_H */
