/* log - leveled messages on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

/*
 * The agent's one mutable global: the level is set once by
 * main() before any thread starts and only read afterwards, so that every
 * module can log without carrying a logger through each call.
 */
static log_level_t log_threshold = LOG_INFO;

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

void
log_msg(log_level_t level, const char *fmt, ...)
{
    if (level > log_threshold)
        return;
    char line[512];
    int n = snprintf(line, sizeof(line), "cmon-agent: %s: ", log_names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr); /* one write: lines of threads never mix */
}
