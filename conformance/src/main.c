/*
 * cmon-conform - validate a Prometheus text 0.0.4 or OpenMetrics 1.0
 * exposition from a file, standard input or a URL.
 *
 * Exit status: 0 valid, 1 invalid, 2 usage or I/O error. Each violation is
 * printed on stderr as "LINE:COL: rule-id: message".
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h" /* common/: strict numbers of a command line */
#include "cmon_version.h"
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
    fputs("Usage: cmon-conform [OPTION]... [FILE|URL|-]\n"
          "Checks a Prometheus text 0.0.4 or OpenMetrics 1.0 exposition read from FILE, an\n"
          "http:// or https:// URL, or standard input (no FILE, or -).\n"
          "\n"
          "Options:\n"
          "  -f, --format=FORMAT    text, openmetrics or auto (default auto: by Content-Type\n"
          "                         for a URL, else OpenMetrics if the input ends with\n"
          "                         # EOF)\n"
          "      --lint[=MODE]      also promtool's naming lints, as warnings (MODE warn,\n"
          "                         the default) or errors (MODE error)\n"
          "      --timeout=SECONDS  give up a URL after this long in all (default 30)\n"
          "      --max-line=BYTES   longest accepted line (default 1048576)\n"
          "  -q, --quiet            print no violations: only the exit status tells\n"
          "      --rules            list the rule ids and the words of the spec each one\n"
          "                         enforces, and exit\n"
          "  -h, --help             print this help and exit\n"
          "      --version          print the version and exit\n"
          "\n"
          "In auto mode an input that is not a regular file (a pipe) is first copied to\n"
          "an unlinked temporary file in $TMPDIR (else /tmp), then checked in the format\n"
          "its end names.\n"
          "\n"
          "Each violation is printed on stderr as LINE:COL: rule-id: message.\n"
          "\n"
          "Exit status:\n"
          "  0  valid\n"
          "  1  invalid (lints count only with --lint=error)\n"
          "  2  usage or I/O error: a bad flag, an unreadable file, an unreachable URL\n"
          "\n"
          "Examples:\n"
          "  $ cmon-conform --lint=error http://127.0.0.1:9163/metrics\n"
          "  $ curl -s http://127.0.0.1:9163/metrics | cmon-conform -\n",
          f);
}

static int
print_violation(const conform_violation_t *v, void *arg)
{
    cli_t *cl = arg;

    if (!cl->cl_quiet)
        fprintf(stderr, "%lu:%lu: %s: %s\n", v->cv_line, v->cv_col, v->cv_rule_id, v->cv_message);
    return 0;
}

static void
list_rules(void)
{
    size_t i;

    for (i = 0; i < conform_rule_count(); i++)
        printf("%s\t%s\n", conform_rule_id(i), conform_rule_describe(conform_rule_id(i)));
}

/* A usage error: one line saying what, a pointer to --help, exit status 2. */
static int
usage_error(const char *fmt, const char *arg)
{
    fputs("cmon-conform: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'cmon-conform --help'.\n", stderr);
    return 2;
}

/* Applies one option with a value; 0, or the exit status of a bad value. */
static int
apply_option(cli_t *cl, int ch, const char *arg)
{
    uint64_t bytes;

    if (ch == 'f' && conform_format_parse(arg, &cl->cl_opt.co_format) == 0)
        return 0;
    if (ch == 'f')
        return usage_error("bad --format %s: want text, openmetrics or auto", arg);
    if (ch == 'l' && (arg == NULL || strcmp(arg, "warn") == 0))
        cl->cl_opt.co_lint = CONFORM_LINT_WARN;
    else if (ch == 'l' && strcmp(arg, "error") == 0)
        cl->cl_opt.co_lint = CONFORM_LINT_ERROR;
    else if (ch == 'l')
        return usage_error("bad --lint=%s: want warn or error", arg);
    else if (ch == 't' && cmon_parse_double(arg, 0, DBL_MAX, &cl->cl_timeout, NULL, 0) != 0)
        return usage_error("bad --timeout %s: want seconds, 0 or more", arg);
    else if (ch == 'm' && cmon_parse_u64(arg, 1, SIZE_MAX, &bytes, NULL, 0) != 0)
        return usage_error("bad --max-line %s: want bytes, 1 or more", arg);
    else if (ch == 'm')
        cl->cl_opt.co_max_line = (size_t)bytes;
    return 0;
}

/* getopt_long's table: every flag cmon-conform takes (--help lists each one). */
static const struct option cli_options[] = {{"format", required_argument, NULL, 'f'},
                                            {"lint", optional_argument, NULL, 'l'},
                                            {"timeout", required_argument, NULL, 't'},
                                            {"max-line", required_argument, NULL, 'm'},
                                            {"quiet", no_argument, NULL, 'q'},
                                            {"rules", no_argument, NULL, 'r'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};

/* Returns -1 to go on, else the exit status. */
static int
parse_args(cli_t *cl, int argc, char **argv)
{
    int ch, rc;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":f:qh", cli_options, NULL)) != -1) {
        if (ch == ':')
            return usage_error("%s needs a value", argv[optind - 1]);
        if (ch == '?')
            return usage_error("unknown option %s", argv[optind - 1]);
        if (ch == 'q') {
            cl->cl_quiet = 1;
        } else if (ch == 'r') {
            list_rules();
            return 0;
        } else if (ch == 'h') {
            usage(stdout);
            return 0;
        } else if (ch == 'V') {
            printf("cmon-conform %s\n", CMON_VERSION);
            return 0;
        } else if ((rc = apply_option(cl, ch, optarg)) != 0) {
            return rc;
        }
    }
    if (argc - optind > 1)
        return usage_error("one input at most, got %s and more", argv[optind]);
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

/*
 * AUTO on a regular file: its last bytes decide the format now, as the
 * checker would at the end (conform_format_sniff: a final "# EOF" line), so
 * that only that format's checker runs: half the time and memory. A pipe
 * cannot be read ahead; both run side by side there.
 */
static void
sniff_regular_file(cli_t *cl, int fd)
{
    struct stat st;
    char tail[8];
    off_t start = lseek(fd, 0, SEEK_CUR), from;
    ssize_t n;

    if (cl->cl_opt.co_format != CONFORM_FORMAT_AUTO || fstat(fd, &st) != 0 ||
        !S_ISREG(st.st_mode) || start < 0 || st.st_size <= start)
        return;
    from = st.st_size - start > (off_t)sizeof(tail) ? st.st_size - (off_t)sizeof(tail) : start;
    n = pread(fd, tail, (size_t)(st.st_size - from), from);
    if (n == (ssize_t)(st.st_size - from))
        cl->cl_opt.co_format = conform_format_sniff(tail, (size_t)n);
}

/* Feeds everything read from fd to the checker; 0, or -1 (said why). */
static int
feed_fd(cli_t *cl, int fd, const char *name, char *buf)
{
    ssize_t n;

    while ((n = read(fd, buf, CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cmon-conform: cannot read %s: %s\n", name, strerror(errno));
            return -1;
        }
        if (conform_checker_feed(cl->cl_checker, buf, (size_t)n) < 0) {
            fprintf(stderr, "cmon-conform: out of memory\n");
            return -1;
        }
    }
    return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        if ((w = write(fd, p, n)) < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* An unlinked temporary file in $TMPDIR (else /tmp), or -1. */
static int
spool_open(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    int fd;

    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    /* past a file size limit (ulimit -f) write() fails with EFBIG, then the
     * fallback runs, rather than SIGXFSZ killing the program */
    signal(SIGXFSZ, SIG_IGN);
    if (snprintf(path, sizeof(path), "%s/cmon-conform-XXXXXX", dir) >= (int)sizeof(path))
        return -1;
    if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
        unlink(path);
    return fd;
}

/* The copy of a pipe could not be written: a checker of both grammars gets
 * the `done` bytes copied, then buf[0..n) (read but not copied); the caller
 * feeds it the rest of the pipe. Closes sp. 0, or -1 (said why). */
static int
spool_fallback(cli_t *cl, int sp, off_t done, char *buf, size_t n)
{
    char *copied = malloc(CHUNK);
    int rc = -1;

    if (copied == NULL) {
        fprintf(stderr, "cmon-conform: out of memory\n");
    } else if (checker_make(cl, NULL) < 0) {
        /* said why */
    } else if (ftruncate(sp, done) != 0 || lseek(sp, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cmon-conform: cannot read back the temporary copy of %s: %s\n",
                cl->cl_input, strerror(errno));
    } else if (feed_fd(cl, sp, "the temporary copy", copied) == 0) {
        rc = n > 0 ? conform_checker_feed(cl->cl_checker, buf, n) : 0;
        if (rc < 0)
            fprintf(stderr, "cmon-conform: out of memory\n");
    }
    free(copied);
    close(sp);
    return rc;
}

/*
 * AUTO on a pipe (or any input that is not a regular file): the format is
 * known only at its end (a final "# EOF" line), so the input is first copied
 * to an unlinked temporary file, whose end then decides the format as for a
 * regular file: one grammar runs instead of two side by side (half the CPU
 * and memory, for disk space the size of the input). If the copy cannot be
 * written (no temporary file, a full disk), both grammars run side by side
 * on what was copied, then on the rest of the pipe.
 * Returns the fd to read on (the copy, or `fd` itself), or -1 (said why).
 */
static int
spool_pipe(cli_t *cl, int fd, char *buf)
{
    struct stat st;
    off_t done = 0;
    ssize_t n;
    int sp;

    if (cl->cl_opt.co_format != CONFORM_FORMAT_AUTO || fstat(fd, &st) != 0 || S_ISREG(st.st_mode) ||
        (sp = spool_open()) < 0)
        return fd;
    while ((n = read(fd, buf, CHUNK)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "cmon-conform: cannot read %s: %s\n", cl->cl_input, strerror(errno));
            close(sp);
            return -1;
        }
        if (write_all(sp, buf, (size_t)n) < 0)
            return spool_fallback(cl, sp, done, buf, (size_t)n) < 0 ? -1 : fd;
        done += n;
    }
    if (lseek(sp, 0, SEEK_SET) != 0)
        return spool_fallback(cl, sp, done, buf, 0) < 0 ? -1 : fd;
    sniff_regular_file(cl, sp);
    return sp;
}

static int
input_fd(cli_t *cl)
{
    int fd = strcmp(cl->cl_input, "-") == 0 ? 0 : open(cl->cl_input, O_RDONLY | O_CLOEXEC);
    int in = fd;
    char *buf = malloc(CHUNK);
    int rc = 0;

    if (fd < 0 || buf == NULL) {
        if (fd < 0)
            fprintf(stderr, "cmon-conform: cannot open %s: %s\n", cl->cl_input, strerror(errno));
        else
            fprintf(stderr, "cmon-conform: out of memory\n");
        free(buf);
        if (fd > 0)
            close(fd);
        return -1;
    }
    sniff_regular_file(cl, fd);
    in = spool_pipe(cl, fd, buf);
    if (in < 0 || (cl->cl_checker == NULL && checker_make(cl, NULL) < 0))
        rc = -1;
    else
        rc = feed_fd(cl, in, cl->cl_input, buf);
    free(buf);
    if (in > 0 && in != fd)
        close(in);
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
