/* landing - the page at GET / (landing.h). */
#include "landing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmltext.h"

/* A plain GET path is a link; a placeholder path or another method is not. */
static int
landing_linkable(const cmon_landing_link_t *l)
{
    return strcmp(l->ll_method, "GET") == 0 && strchr(l->ll_path, '<') == NULL;
}

static void
landing_html_link(FILE *f, const cmon_landing_link_t *l)
{
    fputs("<li>", f);
    if (landing_linkable(l)) {
        fputs("<a href=\"", f);
        cmon_xml_puts(f, l->ll_path);
        fputs("\">", f);
        cmon_xml_puts(f, l->ll_path);
        fputs("</a>", f);
    } else {
        fputs("<code>", f);
        cmon_xml_puts(f, l->ll_method);
        fputc(' ', f);
        cmon_xml_puts(f, l->ll_path);
        fputs("</code>", f);
    }
    fputs(" &mdash; ", f);
    cmon_xml_puts(f, l->ll_doc);
    fputs("</li>\n", f);
}

static void
landing_html(FILE *f, const cmon_landing_t *p)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>", f);
    cmon_xml_puts(f, p->lp_program);
    fputs("</title></head>\n<body>\n<h1>", f);
    cmon_xml_puts(f, p->lp_program);
    fputs("</h1>\n<p>", f);
    cmon_xml_puts(f, p->lp_summary);
    fputs("</p>\n<p>Version ", f);
    cmon_xml_puts(f, p->lp_version);
    fputs("</p>\n<ul>\n", f);
    for (size_t i = 0; i < p->lp_nlinks; i++)
        landing_html_link(f, &p->lp_links[i]);
    fputs("</ul>\n</body>\n</html>\n", f);
}

static void
landing_text(FILE *f, const cmon_landing_t *p)
{
    size_t width = 0;
    for (size_t i = 0; i < p->lp_nlinks; i++) {
        size_t w = strlen(p->lp_links[i].ll_method) + 1 + strlen(p->lp_links[i].ll_path);
        width = w > width ? w : width;
    }
    fprintf(f, "%s %s\n%s\n\n", p->lp_program, p->lp_version, p->lp_summary);
    for (size_t i = 0; i < p->lp_nlinks; i++) {
        const cmon_landing_link_t *l = &p->lp_links[i];
        int w = (int)(strlen(l->ll_method) + 1 + strlen(l->ll_path));
        fprintf(f, "%s %s%*s  %s\n", l->ll_method, l->ll_path, (int)width - w, "", l->ll_doc);
    }
}

char *
cmon_landing_render(const cmon_landing_t *page, int html, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        return NULL;
    if (html)
        landing_html(f, page);
    else
        landing_text(f, page);
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        free(buf);
        errno = ENOMEM;
        return NULL;
    }
    *len = n;
    return buf;
}

/* The q-value of one Accept element's parameters (";q=0.5"), 1 when absent. */
static double
landing_q(const char *params, size_t n)
{
    const char *q = NULL;
    for (size_t i = 0; i + 1 < n; i++)
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=' &&
            (i == 0 || params[i - 1] == ';' || params[i - 1] == ' '))
            q = params + i + 2;
    return q != NULL ? strtod(q, NULL) : 1.0;
}

int
cmon_landing_wants_html(const char *accept)
{
    static const char *const types[] = {"text/html", "application/xhtml+xml"};
    for (const char *p = accept; p != NULL && *p != '\0';) {
        p += strspn(p, " \t,");
        size_t elen = strcspn(p, ","), tlen = strcspn(p, ";, \t");
        for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
            if (tlen == strlen(types[k]) && strncasecmp(p, types[k], tlen) == 0 &&
                landing_q(p + tlen, elen - tlen) > 0)
                return 1;
        p += elen;
    }
    return 0;
}
