/*
 * report.c - what the checks said. The unit is the check: every call of
 * check() is one test, passed or failed; a scenario that breaks (does not
 * load, stops with an error, makes no check at all) is one more, failed,
 * test. The console gets a line per failing check (the first few of each
 * call site, then a count), one verdict line per scenario and the totals;
 * the JUnit XML for CI has a test suite per scenario and a test case per
 * check, so both count the same tests.
 *
 * JUnit names must not change from one checkout or run to the next, or CI
 * loses a test's history: a test case is named by its call site, relative to
 * the scenario's folder, and its call's rank there ("smoke.lua:17 #3"); the
 * check's own message (which may hold zone names, timings, diffs) and Lua's
 * tracebacks go into the element's body, never into a name or a message
 * attribute.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "engine.h"
#include "xmltext.h" /* common/: XML escaping, shared with the landing page */

#define REPORT_SHOWN_PER_SITE 10
#define REPORT_OUTPUT_MAX (1024 * 1024) /* printed bytes kept per scenario */

struct scn_site {
    char *ss_where;          /* "file:line", file relative */
    unsigned long ss_calls;  /* checks made here so far */
    unsigned long ss_failed; /* of which failed */
};

struct scn_check {
    size_t sc_site;        /* index in su_sites */
    unsigned long sc_rank; /* 1 for the site's first call, 2 for its second... */
    char *sc_fail;         /* the message of a failed check; NULL when it held */
};

struct scn_suite {
    char *su_path; /* as named on the command line: the console's verdict line */
    char *su_name; /* relative, never absolute: the XML's names */
    struct scn_site *su_sites;
    size_t su_nsites, su_sites_cap;
    struct scn_check *su_checks;
    size_t su_nchecks, su_checks_cap;
    unsigned long su_passed, su_failed;
    char *su_error_kind; /* the scenario broke: a short, fixed sentence... */
    char *su_error;      /* ...and the message with its traceback */
    char *su_out;        /* what it printed, the first REPORT_OUTPUT_MAX bytes */
    size_t su_out_len, su_out_cap, su_out_dropped;
    double su_seconds;
};

struct scn_report {
    struct scn_suite *rp_suites;
    size_t rp_n, rp_cap;
};

static void
report_oom(void)
{
    fputs("cmon-sim: out of memory\n", stderr);
    abort();
}

static char *
report_strdup(const char *s)
{
    char *d = strdup(s != NULL ? s : "");
    if (d == NULL)
        report_oom();
    return d;
}

static void *
report_grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    p = realloc(p, *cap * size);
    if (p == NULL)
        report_oom();
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
    for (size_t i = 0; i < s->su_nsites; i++)
        free(s->su_sites[i].ss_where);
    for (size_t i = 0; i < s->su_nchecks; i++)
        free(s->su_checks[i].sc_fail);
    free(s->su_sites);
    free(s->su_checks);
    free(s->su_path);
    free(s->su_name);
    free(s->su_error_kind);
    free(s->su_error);
    free(s->su_out);
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
scn_report_begin(struct scn_report *r, const char *path, const char *name)
{
    r->rp_suites = report_grow(r->rp_suites, &r->rp_cap, r->rp_n, sizeof(struct scn_suite));
    struct scn_suite *s = &r->rp_suites[r->rp_n++];
    memset(s, 0, sizeof(*s));
    s->su_path = report_strdup(path);
    s->su_name = report_strdup(name);
}

static struct scn_suite *
report_current(struct scn_report *r)
{
    return &r->rp_suites[r->rp_n - 1];
}

/* The index of the site where, added if new. Searched from the newest:
 * a loop checks at the same few sites over and over. */
static size_t
report_site(struct scn_suite *s, const char *where)
{
    for (size_t i = s->su_nsites; i > 0; i--)
        if (strcmp(s->su_sites[i - 1].ss_where, where) == 0)
            return i - 1;
    s->su_sites = report_grow(s->su_sites, &s->su_sites_cap, s->su_nsites, sizeof(*s->su_sites));
    struct scn_site *site = &s->su_sites[s->su_nsites];
    memset(site, 0, sizeof(*site));
    site->ss_where = report_strdup(where);
    return s->su_nsites++;
}

void
scn_report_check(struct scn_report *r, const char *where, const char *msg, int ok)
{
    struct scn_suite *s = report_current(r);
    size_t si = report_site(s, where);
    struct scn_site *site = &s->su_sites[si];
    s->su_checks =
        report_grow(s->su_checks, &s->su_checks_cap, s->su_nchecks, sizeof(*s->su_checks));
    struct scn_check *c = &s->su_checks[s->su_nchecks++];
    c->sc_site = si;
    c->sc_rank = ++site->ss_calls;
    c->sc_fail = NULL;
    if (ok) {
        s->su_passed++;
        return;
    }
    c->sc_fail = report_strdup(msg);
    s->su_failed++;
    if (++site->ss_failed <= REPORT_SHOWN_PER_SITE)
        fprintf(stderr, "%s: check failed: %s\n", where, msg);
}

void
scn_report_output(struct scn_report *r, const char *text, size_t len)
{
    struct scn_suite *s = report_current(r);
    size_t room = REPORT_OUTPUT_MAX - s->su_out_len;
    size_t keep = len < room ? len : room;
    s->su_out_dropped += len - keep;
    if (keep == 0)
        return;
    if (s->su_out_len + keep > s->su_out_cap) {
        size_t cap = s->su_out_cap ? s->su_out_cap : 4096;
        while (cap < s->su_out_len + keep)
            cap *= 2;
        s->su_out = realloc(s->su_out, cap);
        if (s->su_out == NULL)
            report_oom();
        s->su_out_cap = cap;
    }
    memcpy(s->su_out + s->su_out_len, text, keep);
    s->su_out_len += keep;
}

void
scn_report_error(struct scn_report *r, const char *kind, const char *msg)
{
    struct scn_suite *s = report_current(r);
    free(s->su_error_kind);
    free(s->su_error);
    s->su_error_kind = report_strdup(kind);
    s->su_error = report_strdup(msg);
    fprintf(stderr, "%s\n", msg);
}

void
scn_report_end(struct scn_report *r, double seconds, int quiet)
{
    struct scn_suite *s = report_current(r);
    s->su_seconds = seconds;
    for (size_t i = 0; i < s->su_nsites; i++)
        if (s->su_sites[i].ss_failed > REPORT_SHOWN_PER_SITE)
            fprintf(stderr, "%s: ... and %lu more failures of this check\n",
                    s->su_sites[i].ss_where, s->su_sites[i].ss_failed - REPORT_SHOWN_PER_SITE);
    if (s->su_error == NULL && s->su_nchecks == 0) {
        char msg[PATH_MAX + 128];
        snprintf(msg, sizeof(msg),
                 "cmon-sim run: %s: the scenario made no checks (it must call check() at "
                 "least once)",
                 s->su_name);
        scn_report_error(r, "the scenario made no checks", msg);
    }
    if (quiet)
        return;
    const char *verdict = s->su_error ? "ERROR" : s->su_failed ? "FAIL" : "ok";
    printf("%-5s %s: %lu passed, %lu failed (%.1f s)\n", verdict, s->su_path, s->su_passed,
           s->su_failed + (s->su_error != NULL), seconds);
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

static void
junit_check(FILE *f, const struct scn_suite *s, const struct scn_check *c)
{
    const char *where = s->su_sites[c->sc_site].ss_where;
    fputs("    <testcase classname=\"", f);
    cmon_xml_puts(f, s->su_name);
    fputs("\" name=\"", f);
    cmon_xml_puts(f, where);
    fprintf(f, " #%lu\"", c->sc_rank);
    if (c->sc_fail == NULL) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n      <failure message=\"check failed\" type=\"check\">", f);
    cmon_xml_put(f, where, strlen(where), 0);
    fputs(": check failed: ", f);
    cmon_xml_put(f, c->sc_fail, strlen(c->sc_fail), 0);
    fputs("</failure>\n    </testcase>\n", f);
}

/* A broken scenario: one test case whose <error> says what broke in its
 * message and holds Lua's message and traceback in its body. */
static void
junit_error(FILE *f, const struct scn_suite *s)
{
    fputs("    <testcase classname=\"", f);
    cmon_xml_puts(f, s->su_name);
    fputs("\" name=\"scenario runs to its end\">\n      <error message=\"", f);
    cmon_xml_puts(f, s->su_error_kind);
    fputs("\" type=\"scenario\">", f);
    cmon_xml_put(f, s->su_error, strlen(s->su_error), 0);
    fputs("</error>\n    </testcase>\n", f);
}

static void
junit_output(FILE *f, const struct scn_suite *s)
{
    if (s->su_out_len == 0)
        return;
    fputs("    <system-out>", f);
    cmon_xml_put(f, s->su_out, s->su_out_len, 0);
    if (s->su_out_dropped)
        fprintf(f, "\n[%zu more bytes of output not kept]\n", s->su_out_dropped);
    fputs("</system-out>\n", f);
}

static void
junit_suite(FILE *f, const struct scn_suite *s)
{
    int broken = s->su_error != NULL;
    fputs("  <testsuite name=\"", f);
    cmon_xml_puts(f, s->su_name);
    fprintf(f, "\" tests=\"%zu\" failures=\"%lu\" errors=\"%d\" skipped=\"0\" time=\"%.3f\">\n",
            s->su_nchecks + broken, s->su_failed, broken, s->su_seconds);
    for (size_t i = 0; i < s->su_nchecks; i++)
        junit_check(f, s, &s->su_checks[i]);
    if (broken)
        junit_error(f, s);
    junit_output(f, s);
    fputs("  </testsuite>\n", f);
}

static void
junit_write(FILE *f, const struct scn_report *r)
{
    unsigned long passed, failed, errors;
    scn_report_totals(r, &passed, &failed, &errors);
    double seconds = 0;
    for (size_t i = 0; i < r->rp_n; i++)
        seconds += r->rp_suites[i].su_seconds;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"cmon-sim run\" tests=\"%lu\" failures=\"%lu\" errors=\"%lu\" "
            "time=\"%.3f\">\n",
            passed + failed + errors, failed, errors, seconds);
    for (size_t i = 0; i < r->rp_n; i++)
        junit_suite(f, &r->rp_suites[i]);
    fputs("</testsuites>\n", f);
}

int
scn_report_junit(const struct scn_report *r, const char *path)
{
    char *xml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&xml, &len);
    if (f == NULL)
        return -1;
    junit_write(f, r);
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
