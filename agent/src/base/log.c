/* log - leveled messages on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "monotime.h"
#include "ratelog.h"

/*
 * The agent's mutable globals: the level and the rate limiter are set once
 * by main() before any thread starts and only read afterwards (the limiter
 * locks inside), so that every module can log without carrying a logger
 * through each call.
 */
static log_level_t log_threshold = LOG_INFO;
static ratelog_t *log_rate; /* NULL: log_limited() writes every line */

static const char *const log_names[] = {"error", "warn", "info", "debug"};

void
log_level_set(log_level_t level)
{
    log_threshold = level;
}

int
log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, log_names[i]) == 0)
            return i;
    return -1;
}

/* One line, with suffix (may be "") after the message; one write. */
static void
log_vline(log_level_t level, const char *suffix, const char *fmt, va_list ap)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "cmon-agent: %s: ", log_names[level]);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    size_t len = strlen(line);
    snprintf(line + len, sizeof(line) - len - 1, "%s", suffix);
    len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr); /* one write: lines of threads never mix */
}

void
log_msg(log_level_t level, const char *fmt, ...)
{
    if (level > log_threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vline(level, "", fmt, ap);
    va_end(ap);
}

int
log_rate_set(double interval_s)
{
    ratelog_t *rl = ratelog_new(interval_s);
    if (rl == NULL)
        return -1;
    ratelog_free(log_rate);
    log_rate = rl;
    return 0;
}

void
log_limited(log_level_t level, const char *kind, const char *fmt, ...)
{
    unsigned long suppressed = 0;
    if (level > log_threshold || !ratelog_admit(log_rate, kind, cmon_monotime_s(), &suppressed))
        return;
    char suffix[64] = "";
    if (suppressed > 0)
        snprintf(suffix, sizeof(suffix), " (%lu more suppressed)", suppressed);
    va_list ap;
    va_start(ap, fmt);
    log_vline(level, suffix, fmt, ap);
    va_end(ap);
}

static void
log_flush_one(void *cls, const char *kind, unsigned long suppressed)
{
    (void)cls;
    log_msg(LOG_INFO, "%s: %lu more suppressed", kind, suppressed);
}

void
log_rate_flush(void)
{
    ratelog_flush(log_rate, log_flush_one, NULL);
}
