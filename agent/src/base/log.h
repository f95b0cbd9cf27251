/*
 * log - leveled messages on stderr: "cmon-agent: LEVEL: message".
 */
#ifndef CMON_AGENT_LOG_H
#define CMON_AGENT_LOG_H

#include <string.h>

typedef enum { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level_t;

/* log_level_set() - messages above level are dropped. Call before threads. */
void log_level_set(log_level_t level);

/* log_level_parse() - "error", "warn", "info" or "debug"; -1 otherwise. */
int log_level_parse(const char *s);

/* log_msg() - writes one line (atomic with respect to other threads). */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * log_rate_set() - from now on log_limited() writes at most one line of a kind
 * every interval_s seconds (0: every line). Call before threads; 0 or -1
 * with errno (ENOMEM, EINVAL).
 */
int log_rate_set(double interval_s);

/*
 * log_limited() - log_msg() for lines a client can cause at will (a refresh
 * flood, refused connections): kind names the log site ("refresh
 * requested"); of each kind the first line is written, then at most one an
 * interval, ending with how many of that kind were not written since
 * ("(41 more suppressed)").
 */
void log_limited(log_level_t level, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* log_rate_flush() - at exit: one line per kind with lines still
 * suppressed since its last one. */
void log_rate_flush(void);

#endif
