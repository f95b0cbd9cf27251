/*
 * realtimer - a deadline the kernel keeps: a one-shot timerfd armed with a
 * relative time. A deadline computed from clock_gettime() never passes
 * where the process's clocks are frozen (the scenario engine runs the
 * programs under libfaketime, which stops CLOCK_MONOTONIC); the kernel's
 * timer runs in real time whatever the clocks say. Put realtimer_fd() in
 * the poll set of the loop that waits, so that poll() returns when it
 * fires, and ask realtimer_expired() after each round.
 *
 * Without a timerfd (out of descriptors) the deadline falls back to the
 * monotonic clock, as before.
 */
#ifndef CMON_REALTIMER_H
#define CMON_REALTIMER_H

typedef struct realtimer {
    int rt_fd;           /* the timerfd, -1: none (never, or the fallback) */
    long long rt_end_ms; /* the fallback: cmon_monotime_ms() at the deadline */
    int rt_never;        /* started with a negative time: never expires */
} realtimer_t;

/* realtimer_start() - a deadline ms milliseconds from now (ms < 0: never; 0: already past). */
void realtimer_start(realtimer_t *t, long ms);

/* realtimer_expired() - 1 once the deadline has passed, else 0. */
int realtimer_expired(const realtimer_t *t);

/*
 * realtimer_poll_ms() - a poll() timeout for the wait until the deadline,
 * at most cap ms (-1 for a deadline that never comes and cap < 0). Under a
 * frozen clock it does not shrink: the timer's descriptor wakes poll().
 */
int realtimer_poll_ms(const realtimer_t *t, int cap);

/* realtimer_fd() - the descriptor to poll for POLLIN, or -1. */
int realtimer_fd(const realtimer_t *t);

/* realtimer_stop() - releases the timer (a stopped or never started one: fine if zeroed). */
void realtimer_stop(realtimer_t *t);

#endif /* CMON_REALTIMER_H */
