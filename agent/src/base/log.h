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

#endif
