/*
 * report.c - what the checks said: a line per failing check (the first few
 * of each call site, then a count), one verdict line per scenario, the
 * totals, and JUnit XML for CI systems. A JUnit test case is a check call
 * site (file:line): it fails if any of its calls failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "engine.h"

#define REPORT_SHOWN_PER_SITE 10

struct scn_site {
    char *ss_where;
    char *ss_msg;      /* the message of its first call */
    char *ss_fail_msg; /* the message of its first failure */
    unsigned long ss_passed, ss_failed;
};

struct scn_suite {
    char *su_path;
    struct scn_site *su_sites;
    size_t su_nsites, su_cap;
    char *su_error; /* the scenario broke: message and traceback */
    double su_seconds;
    unsigned long su_passed, su_failed;
};

struct scn_report {
    struct scn_suite *rp_suites;
    size_t rp_n, rp_cap;
};

static char *
report_strdup(const char *s)
{
    char *d = strdup(s != NULL ? s : "");
    if (d == NULL) {
        fputs("cmon-sim: out of memory\n", stderr);
        abort();
    }
    return d;
}

static void *
report_grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    p = realloc(p, *cap * size);
    if (p == NULL) {
        fputs("cmon-sim: out of memory\n", stderr);
        abort();
    }
    return p;
}

struct scn_report *
scn_report_new(void)
{
    return calloc(1, sizeof(struct scn_report));
}

static void
report_suite_free(struct scn_suite *s)
{
    for (size_t i = 0; i < s->su_nsites; i++) {
        free(s->su_sites[i].ss_where);
        free(s->su_sites[i].ss_msg);
        free(s->su_sites[i].ss_fail_msg);
    }
    free(s->su_sites);
    free(s->su_path);
    free(s->su_error);
}

void
scn_report_free(struct scn_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->rp_n; i++)
        report_suite_free(&r->rp_suites[i]);
    free(r->rp_suites);
    free(r);
}

void
scn_report_begin(struct scn_report *r, const char *path)
{
    r->rp_suites = report_grow(r->rp_suites, &r->rp_cap, r->rp_n, sizeof(struct scn_suite));
    struct scn_suite *s = &r->rp_suites[r->rp_n++];
    memset(s, 0, sizeof(*s));
    s->su_path = report_strdup(path);
}

static struct scn_site *
report_site(struct scn_suite *s, const char *where, const char *msg)
{
    for (size_t i = s->su_nsites; i > 0; i--)
        if (strcmp(s->su_sites[i - 1].ss_where, where) == 0)
            return &s->su_sites[i - 1];
    s->su_sites = report_grow(s->su_sites, &s->su_cap, s->su_nsites, sizeof(struct scn_site));
    struct scn_site *site = &s->su_sites[s->su_nsites++];
    memset(site, 0, sizeof(*site));
    site->ss_where = report_strdup(where);
    site->ss_msg = report_strdup(msg);
    return site;
}

void
scn_report_check(struct scn_report *r, const char *where, const char *msg, int ok)
{
    struct scn_suite *s = &r->rp_suites[r->rp_n - 1];
    struct scn_site *site = report_site(s, where, msg);
    if (ok) {
        site->ss_passed++;
        s->su_passed++;
        return;
    }
    if (site->ss_failed++ == 0)
        site->ss_fail_msg = report_strdup(msg);
    s->su_failed++;
    if (site->ss_failed <= REPORT_SHOWN_PER_SITE)
        fprintf(stderr, "%s: check failed: %s\n", where, msg);
}

void
scn_report_error(struct scn_report *r, const char *msg)
{
    struct scn_suite *s = &r->rp_suites[r->rp_n - 1];
    free(s->su_error);
    s->su_error = report_strdup(msg);
    fprintf(stderr, "%s\n", msg);
}

void
scn_report_end(struct scn_report *r, double seconds, int quiet)
{
    struct scn_suite *s = &r->rp_suites[r->rp_n - 1];
    s->su_seconds = seconds;
    for (size_t i = 0; i < s->su_nsites; i++)
        if (s->su_sites[i].ss_failed > REPORT_SHOWN_PER_SITE)
            fprintf(stderr, "%s: ... and %lu more failures of this check\n",
                    s->su_sites[i].ss_where, s->su_sites[i].ss_failed - REPORT_SHOWN_PER_SITE);
    if (quiet)
        return;
    const char *verdict = s->su_error ? "ERROR" : s->su_failed ? "FAIL" : "ok";
    printf("%-5s %s: %lu passed, %lu failed (%.1f s)\n", verdict, s->su_path, s->su_passed,
           s->su_failed, seconds);
    fflush(stdout);
}

void
scn_report_totals(const struct scn_report *r, unsigned long *passed, unsigned long *failed,
                  unsigned long *errors)
{
    *passed = *failed = *errors = 0;
    for (size_t i = 0; i < r->rp_n; i++) {
        *passed += r->rp_suites[i].su_passed;
        *failed += r->rp_suites[i].su_failed;
        *errors += r->rp_suites[i].su_error != NULL;
    }
}

/* ---- JUnit XML ----------------------------------------------------------- */

void
scn_xml_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            if (c >= 0x20 || c == '\n' || c == '\t')
                fputc(c, f);
        }
    }
}

static void
junit_site(FILE *f, const char *suite, const struct scn_site *site)
{
    fputs("    <testcase classname=\"", f);
    scn_xml_escape(f, suite);
    fputs("\" name=\"", f);
    scn_xml_escape(f, site->ss_where);
    fputs(": ", f);
    scn_xml_escape(f, site->ss_msg);
    fputs("\">\n", f);
    if (site->ss_failed) {
        fprintf(f, "      <failure message=\"%lu of %lu calls failed: ", site->ss_failed,
                site->ss_failed + site->ss_passed);
        scn_xml_escape(f, site->ss_fail_msg);
        fputs("\"/>\n", f);
    }
    fputs("    </testcase>\n", f);
}

static void
junit_suite(FILE *f, const struct scn_suite *s)
{
    fputs("  <testsuite name=\"", f);
    scn_xml_escape(f, s->su_path);
    unsigned long failures = 0;
    for (size_t i = 0; i < s->su_nsites; i++)
        failures += s->su_sites[i].ss_failed != 0;
    fprintf(f, "\" tests=\"%zu\" failures=\"%lu\" errors=\"%d\" time=\"%.3f\">\n",
            s->su_nsites + (s->su_error != NULL), failures, s->su_error != NULL, s->su_seconds);
    for (size_t i = 0; i < s->su_nsites; i++)
        junit_site(f, s->su_path, &s->su_sites[i]);
    if (s->su_error != NULL) {
        fputs("    <testcase classname=\"", f);
        scn_xml_escape(f, s->su_path);
        fputs("\" name=\"scenario runs to its end\">\n      <error message=\"", f);
        scn_xml_escape(f, s->su_error);
        fputs("\"/>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
}

int
scn_report_junit(const struct scn_report *r, const char *path)
{
    char *xml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&xml, &len);
    if (f == NULL)
        return -1;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cmon-sim run\">\n", f);
    for (size_t i = 0; i < r->rp_n; i++)
        junit_suite(f, &r->rp_suites[i]);
    fputs("</testsuites>\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(xml);
        return errno = ENOMEM, -1;
    }
    /* 0644 whatever the umask: the report is for other users and tools to read */
    int rc = atomicfile_write(path, xml, len, ATOMICFILE_MODE);
    int err = errno;
    free(xml);
    errno = err;
    return rc;
}
