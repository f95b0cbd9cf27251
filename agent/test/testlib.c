/* testlib.c - helpers of the agent's tests (see testlib.h). */
#include "testlib.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

void
testlib_check(int *failures, int ok, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "%s: ", ok ? "ok" : "FAIL");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (!ok)
        (*failures)++;
}

/* next_line() - the start of the line after the one at l, or NULL at the end. */
static const char *
next_line(const char *l)
{
    const char *nl = strchr(l, '\n');

    return nl != NULL && nl[1] != '\0' ? nl + 1 : NULL;
}

const char *
testlib_sample_text(const char *body, const char *series, char *buf, size_t len)
{
    size_t n = strlen(series);

    for (const char *l = body; l != NULL && *l != '\0'; l = next_line(l)) {
        if (strncmp(l, series, n) == 0 && l[n] == ' ') {
            size_t m = strcspn(l + n + 1, "\n");
            snprintf(buf, len, "%.*s", (int)m, l + n + 1);
            return buf;
        }
    }
    return NULL;
}

double
testlib_sample(const char *body, const char *series)
{
    char buf[64];

    if (testlib_sample_text(body, series, buf, sizeof(buf)) == NULL)
        return NAN;
    return strtod(buf, NULL);
}

int
testlib_has_line(const char *body, const char *prefix)
{
    size_t n = strlen(prefix);

    for (const char *l = body; l != NULL && *l != '\0'; l = next_line(l))
        if (strncmp(l, prefix, n) == 0)
            return 1;
    return 0;
}

int
testlib_next_line_starts(const char *body, const char *series, const char *want)
{
    char key[160];
    snprintf(key, sizeof(key), "\n%s ", series);
    const char *l = strstr(body, key);
    const char *nl = l != NULL ? strchr(l + 1, '\n') : NULL;
    return nl != NULL && strncmp(nl + 1, want, strlen(want)) == 0;
}

long
testlib_count_samples(const char *body)
{
    long n = 0;

    for (const char *l = body; l != NULL && *l != '\0'; l = next_line(l))
        if (*l != '#' && *l != '\n')
            n++;
    return n;
}

int
testlib_promtool(const char *promtool, const char *body, char *out, size_t outlen)
{
    char tmp[] = "/tmp/cmon-test-promtool-XXXXXX";
    int fd = mkstemp(tmp);
    size_t len = strlen(body);

    out[0] = '\0';
    if (fd < 0)
        return -1;
    int written = write(fd, body, len) == (ssize_t)len;
    close(fd);
    if (!written) {
        unlink(tmp);
        return -1;
    }
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' check metrics < %s 2>&1", promtool, tmp);
    FILE *p = popen(cmd, "r");
    size_t n = p != NULL ? fread(out, 1, outlen - 1, p) : 0;
    out[n] = '\0';
    int st = p != NULL ? pclose(p) : -1;
    unlink(tmp);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs "CMD < a temporary file holding body", its output into out; exit status or -1. */
static int
testlib_run_on(const char *cmd, const char *body, char *out, size_t outlen)
{
    char tmp[] = "/tmp/cmon-test-body-XXXXXX", line[1200];
    int fd = mkstemp(tmp);
    size_t len = strlen(body);
    out[0] = '\0';
    if (fd < 0)
        return -1;
    int written = write(fd, body, len) == (ssize_t)len;
    close(fd);
    if (!written) {
        unlink(tmp);
        return -1;
    }
    snprintf(line, sizeof(line), "%s < %s 2>&1", cmd, tmp);
    FILE *p = popen(line, "r");
    size_t n = p != NULL ? fread(out, 1, outlen - 1, p) : 0;
    out[n] = '\0';
    int st = p != NULL ? pclose(p) : -1;
    unlink(tmp);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
testlib_conform(const char *bin_dir, const char *format, const char *body, char *out, size_t outlen)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s/cmon-conform' --format %s -", bin_dir, format);
    return testlib_run_on(cmd, body, out, outlen);
}
