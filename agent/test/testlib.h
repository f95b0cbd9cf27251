/*
 * testlib.h - what the agent's tests share: reading a text exposition the
 * way a scraper would (one sample's value, a line, the number of samples),
 * running promtool on a body, and the ok/FAIL lines of the end-to-end
 * programs that run without CUnit.
 */
#ifndef CMON_AGENT_TESTLIB_H
#define CMON_AGENT_TESTLIB_H

#include <stddef.h>

/*
 * testlib_check() - one check of an end-to-end program: prints "ok: MSG" or
 * "FAIL: MSG" on stderr and counts a failure into *failures.
 */
void testlib_check(int *failures, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * testlib_sample_text() - the value text of the sample line whose series
 * (name and labels) is exactly series, copied into buf (truncated to len);
 * buf, or NULL when there is no such line.
 */
const char *testlib_sample_text(const char *body, const char *series, char *buf, size_t len);

/* testlib_sample() - the value of that sample as a double; NAN when absent. */
double testlib_sample(const char *body, const char *series);

/* testlib_has_line() - 1 when a line of body starts with prefix, else 0. */
int testlib_has_line(const char *body, const char *prefix);

/* testlib_next_line_starts() - 1 when the line after series' sample line in
 * body starts with want, else 0. */
int testlib_next_line_starts(const char *body, const char *series, const char *want);

/* testlib_count_samples() - the sample lines of body: not comments, not empty. */
long testlib_count_samples(const char *body);

/*
 * testlib_promtool() - runs `promtool check metrics` on body, its output
 * (stdout and stderr, truncated) into out. Returns its exit status, or -1
 * when it could not run or did not exit.
 */
int testlib_promtool(const char *promtool, const char *body, char *out, size_t outlen);

/*
 * testlib_conform() - runs `BIN_DIR/cmon-conform --format FORMAT` (text or
 * openmetrics) on body, its violations into out. Returns its exit status
 * (0: valid), or -1 when it could not run.
 */
int testlib_conform(const char *bin_dir, const char *format, const char *body, char *out,
                    size_t outlen);

#endif /* CMON_AGENT_TESTLIB_H */
