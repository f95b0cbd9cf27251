/* accesslog - one line per request (accesslog.h says what is in it). */
#include "accesslog.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* the worst line: five fields of the client's, each byte escaped, "..." and a
 * space, then the time (25), status (4), two times (2 x 28), the end (5) */
_Static_assert(5 * (4 * ACCESSLOG_FIELD_MAX + 4) + 96 <= ACCESSLOG_LINE_MAX, "a line fits");
_Static_assert(ACCESSLOG_LINE_MAX <= PIPE_BUF, "a line is written to a pipe at once");

/* Appends s, escaped and cut to ACCESSLOG_FIELD_MAX bytes, then a space;
 * "-" for NULL or "". cap leaves room for the worst case (accesslog.h). */
static size_t
put_field(char *out, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0, i = 0;
    if (s == NULL || s[0] == '\0') {
        out[n++] = '-';
    } else if (strcmp(s, "-") == 0) { /* not to be read as "none" */
        memcpy(out, "\\x2d", 4);
        n = 4;
    } else {
        for (; s[i] != '\0' && i < ACCESSLOG_FIELD_MAX; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < '!' || c > '~' || c == '"' || c == '\\') {
                out[n++] = '\\';
                out[n++] = 'x';
                out[n++] = hex[c >> 4];
                out[n++] = hex[c & 15];
            } else {
                out[n++] = (char)c;
            }
        }
        if (s[i] != '\0') {
            memcpy(out + n, "...", 3);
            n += 3;
        }
    }
    out[n++] = ' ';
    return n;
}

/* Seconds with six decimals, or "-" when ns < 0. */
static size_t
put_seconds(char *out, size_t cap, int64_t ns)
{
    if (ns < 0)
        return (size_t)snprintf(out, cap, "- ");
    return (size_t)snprintf(out, cap, "%" PRId64 ".%06" PRId64 " ", ns / 1000000000,
                            ns % 1000000000 / 1000);
}

size_t
accesslog_format(const accesslog_entry_t *e, char *buf, size_t cap)
{
    if (cap < ACCESSLOG_LINE_MAX)
        return 0;
    time_t secs = (time_t)(e->ale_end_ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(buf + n, cap - n, ".%03dZ ", (int)(e->ale_end_ns % 1000000000 / 1000000));
    n += put_field(buf + n, e->ale_client);
    n += put_field(buf + n, e->ale_login);
    n += put_field(buf + n, e->ale_method);
    n += put_field(buf + n, e->ale_host);
    n += put_field(buf + n, e->ale_path);
    if (e->ale_status > 0)
        n += (size_t)snprintf(buf + n, cap - n, "%u ", e->ale_status);
    else
        n += (size_t)snprintf(buf + n, cap - n, "- ");
    n += put_seconds(buf + n, cap - n, e->ale_request_ns);
    n += put_seconds(buf + n, cap - n, e->ale_agent_ns);
    n += (size_t)snprintf(buf + n, cap - n, "%s\n", e->ale_done ? "done" : "cut");
    return n;
}

int
accesslog_write(int fd, const accesslog_entry_t *e)
{
    char line[ACCESSLOG_LINE_MAX];
    size_t len = accesslog_format(e, line, sizeof(line)), done = 0;
    while (done < len) { /* the rest of a short write (a socket), never a line cut short */
        ssize_t w = write(fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w == 0 ? (errno = EIO, -1) : -1;
        done += (size_t)w;
    }
    return 0;
}
