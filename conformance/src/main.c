/*
 * cmon-conform - validate a Prometheus text 0.0.4 or OpenMetrics 1.0
 * exposition from a file, standard input or a URL.
 *
 * Exit status: 0 valid, 1 invalid, 2 usage or I/O error. Each violation is
 * printed on stderr as "LINE:COL: rule-id: message".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conform.h"
#include "fetch.h" /* common/: the project's HTTP client */

#define CHUNK (1u << 20)

typedef struct cli {
    conform_options_t cl_opt;
    double cl_timeout;
    int cl_quiet;
    const char *cl_input;
    conform_checker_t *cl_checker; /* created at the first byte for URLs */
    int cl_failed;                 /* ENOMEM while feeding */
} cli_t;

static void
usage(FILE *f)
{
    fprintf(f, "usage: cmon-conform [--format text|openmetrics|auto] [--lint[=warn|error]]\n"
               "                    [--timeout SECONDS] [--max-line BYTES] [--quiet] [FILE|URL|-]\n"
               "Checks a Prometheus text 0.0.4 or OpenMetrics 1.0 exposition (standard input\n"
               "when no FILE or with -). Exit 0 valid, 1 invalid, 2 usage or I/O error.\n"
               "  --format F     text, openmetrics or auto (default: by Content-Type for a URL,\n"
               "                 else OpenMetrics if the input ends with # EOF)\n"
               "  --lint[=M]     promtool's naming lints, as warnings (warn) or errors (error)\n"
               "  --timeout S    give up a URL after S seconds in all (default 30)\n"
               "  --max-line N   longest accepted line in bytes (default 1048576)\n"
               "  --quiet        print no violations, only the exit status tells\n"
               "  --rules        list the rule ids and the words of the spec they enforce\n");
}

static int
print_violation(const conform_violation_t *v, void *arg)
{
    cli_t *cl = arg;

    if (!cl->cl_quiet)
        fprintf(stderr, "%lu:%lu: %s: %s\n", v->cv_line, v->cv_col, v->cv_rule_id, v->cv_message);
    return 0;
}

static int
parse_number(const char *s, double *out)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    return (errno != 0 || end == s || *end != '\0' || *out < 0) ? -1 : 0;
}

static void
list_rules(void)
{
    size_t i;

    for (i = 0; i < conform_rule_count(); i++)
        printf("%s\t%s\n", conform_rule_id(i), conform_rule_describe(conform_rule_id(i)));
}

/* Returns -1 to go on, else the exit status. */
static int
parse_args(cli_t *cl, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},  {"lint", optional_argument, NULL, 'l'},
        {"timeout", required_argument, NULL, 't'}, {"max-line", required_argument, NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},         {"rules", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    double d;
    int ch;

    while ((ch = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
        if (ch == 'f' && conform_format_parse(optarg, &cl->cl_opt.co_format) == 0)
            continue;
        if (ch == 'l' && (optarg == NULL || strcmp(optarg, "warn") == 0)) {
            cl->cl_opt.co_lint = CONFORM_LINT_WARN;
        } else if (ch == 'l' && strcmp(optarg, "error") == 0) {
            cl->cl_opt.co_lint = CONFORM_LINT_ERROR;
        } else if (ch == 't' && parse_number(optarg, &cl->cl_timeout) == 0) {
        } else if (ch == 'm' && parse_number(optarg, &d) == 0 && d >= 1) {
            cl->cl_opt.co_max_line = (size_t)d;
        } else if (ch == 'q') {
            cl->cl_quiet = 1;
        } else if (ch == 'r') {
            list_rules();
            return 0;
        } else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else {
            if (ch != '?')
                fprintf(stderr, "cmon-conform: invalid value for --%s: %s\n",
                        ch == 'f'   ? "format"
                        : ch == 'l' ? "lint"
                        : ch == 't' ? "timeout"
                                    : "max-line",
                        optarg);
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "cmon-conform: one input at most\n");
        usage(stderr);
        return 2;
    }
    cl->cl_input = optind < argc ? argv[optind] : "-";
    return -1;
}

static int
checker_make(cli_t *cl, const char *content_type)
{
    cl->cl_opt.co_content_type = content_type;
    cl->cl_checker = conform_checker_new(&cl->cl_opt);
    if (cl->cl_checker == NULL) {
        fprintf(stderr, "cmon-conform: cannot create a checker: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static int
url_sink(const struct fetch_resp *resp, const char *buf, size_t len, void *arg)
{
    cli_t *cl = arg;
    const char *type = resp->rs_content_type[0] ? resp->rs_content_type : NULL;

    if (cl->cl_checker == NULL && checker_make(cl, type) < 0) {
        cl->cl_failed = 1;
        return -1;
    }
    if (conform_checker_feed(cl->cl_checker, buf, len) < 0) {
        cl->cl_failed = 1;
        return -1;
    }
    return 0;
}

/* GET the URL with the Accept header of the format asked for, gzip and the
 * like accepted, up to 5 redirects followed, the body streamed into the
 * checker as it comes (no cap: the checker's memory does not grow with it). */
static int
input_url(cli_t *cl)
{
    char accept[256];
    snprintf(accept, sizeof(accept), "Accept: %s", conform_format_accept(cl->cl_opt.co_format));
    const char *headers[] = {accept, NULL};
    struct fetch_req q = {.rq_url = cl->cl_input,
                          .rq_headers = headers,
                          .rq_accept_encoding = "",
                          .rq_user_agent = "cmon-conform/0.1",
                          .rq_timeout_s = cl->cl_timeout,
                          .rq_max_body = SIZE_MAX,
                          .rq_max_redirects = 5,
                          .rq_use_proxy = 1,
                          .rq_sink = url_sink,
                          .rq_sink_arg = cl};
    struct fetch_resp r = {0};
    int rc = fetch_once(&q, &r);

    if (rc != 0)
        fprintf(stderr, "cmon-conform: %s\n",
                cl->cl_failed  ? "out of memory"
                : r.rs_stopped ? "checking stopped"
                               : r.rs_error);
    else if (r.rs_status != 200)
        fprintf(stderr, "cmon-conform: cannot fetch %s: HTTP status %ld\n", cl->cl_input,
                r.rs_status);
    fetch_resp_release(&r);
    if (rc != 0 || r.rs_status != 200)
        return -1;
    if (cl->cl_checker == NULL) /* an empty body */
        return checker_make(cl, NULL);
    return 0;
}

static int
input_fd(cli_t *cl)
{
    int fd = strcmp(cl->cl_input, "-") == 0 ? 0 : open(cl->cl_input, O_RDONLY | O_CLOEXEC);
    char *buf = malloc(CHUNK);
    ssize_t n;
    int rc = 0;

    if (fd < 0 || buf == NULL || checker_make(cl, NULL) < 0) {
        if (fd < 0)
            fprintf(stderr, "cmon-conform: cannot open %s: %s\n", cl->cl_input, strerror(errno));
        free(buf);
        if (fd > 0)
            close(fd);
        return -1;
    }
    while ((n = read(fd, buf, CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cmon-conform: cannot read %s: %s\n", cl->cl_input, strerror(errno));
            rc = -1;
            break;
        }
        if (conform_checker_feed(cl->cl_checker, buf, (size_t)n) < 0) {
            fprintf(stderr, "cmon-conform: out of memory\n");
            rc = -1;
            break;
        }
    }
    free(buf);
    if (fd > 0)
        close(fd);
    return rc;
}

int
main(int argc, char **argv)
{
    cli_t cl;
    int rc, verdict;
    size_t shown;

    memset(&cl, 0, sizeof(cl));
    conform_options_init(&cl.cl_opt);
    cl.cl_opt.co_report = print_violation;
    cl.cl_opt.co_report_arg = &cl;
    cl.cl_timeout = 30;
    if ((rc = parse_args(&cl, argc, argv)) >= 0)
        return rc;
    if (strncmp(cl.cl_input, "http://", 7) == 0 || strncmp(cl.cl_input, "https://", 8) == 0)
        rc = input_url(&cl);
    else
        rc = input_fd(&cl);
    if (rc < 0) {
        conform_checker_free(cl.cl_checker);
        return 2;
    }
    verdict = conform_checker_finish(cl.cl_checker);
    shown = conform_checker_errors(cl.cl_checker) + conform_checker_warnings(cl.cl_checker);
    if (!cl.cl_quiet && shown > 1000)
        fprintf(stderr, "cmon-conform: %zu more violations not shown\n", shown - 1000);
    conform_checker_free(cl.cl_checker);
    if (verdict < 0) {
        fprintf(stderr, "cmon-conform: out of memory\n");
        return 2;
    }
    return verdict;
}
