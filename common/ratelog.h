/*
 * ratelog.h - log lines rate-limited per cause, so that a flood of bad
 * clients (garbage certificates, wrong keys, a scrape target that is down)
 * cannot flood the log: the first line of a cause is written, then at most
 * one every interval_s seconds, saying how many of that cause were not
 * written since the last. A cause is a constant string naming the log site
 * ("authentication failed"); its details (the line's "why") vary freely.
 *
 * Thread-safe. Time is the caller's (monotonic seconds), so it can be tested.
 */
#ifndef CMON_RATELOG_H
#define CMON_RATELOG_H

#include <stddef.h>

#define RATELOG_CAUSES 32 /* distinct causes kept; more share one slot */

typedef struct ratelog ratelog_t;

/* ratelog_new() - NULL (errno EINVAL for interval_s < 0, ENOMEM). 0 logs every line. */
ratelog_t *ratelog_new(double interval_s);

/* ratelog_free() - NULL is fine. */
void ratelog_free(ratelog_t *rl);

/*
 * ratelog_admit() - whether a line of cause is to be written at now: 1 for
 * the first of its cause and for the first once interval_s have passed
 * since the last written, with *suppressed the lines of that cause not
 * written since (0 after a quiet spell); 0 otherwise (the line is counted).
 */
int ratelog_admit(ratelog_t *rl, const char *cause, double now, unsigned long *suppressed);

/* What ratelog_flush() tells of a cause. */
typedef void (*ratelog_report_t)(void *cls, const char *cause, unsigned long suppressed);

/*
 * ratelog_flush() - calls report for every cause with lines not written since
 * its last (a summary at exit: the flood may have stopped), and sets their
 * counts to 0. Returns how many it reported; report must not log through rl
 * (the lock is held). NULL rl: 0.
 */
size_t ratelog_flush(ratelog_t *rl, ratelog_report_t report, void *cls);

#endif
