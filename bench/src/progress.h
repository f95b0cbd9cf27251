/*
 * progress.h - a short line on stderr as each phase of a long run starts
 * (world build, agent start, nginx, priming pass, each round of each point),
 * so that a sweep of minutes does not look hung. stdout stays for results.
 * Whether lines are written at all is decided once (progress_init); every
 * other call is then a no-op when silent.
 */
#ifndef CMON_BENCH_PROGRESS_H
#define CMON_BENCH_PROGRESS_H

#include <stdio.h>

struct progress {
    FILE *pg_out;      /* where the lines go; NULL when silent */
    char pg_label[64]; /* the point: "zones=1000", "rate=2000", a URL; "" none */
    int pg_point;      /* this point's number, 1-based; 0 when not in a series */
    int pg_npoints;    /* points in the series */
};

/* Lines go to out when on is true, else nowhere. No point named yet. */
void progress_init(struct progress *pg, FILE *out, int on);

/* Name the point that later lines speak of: point i (1-based) of n, and its label. */
void progress_point(struct progress *pg, int i, int n, const char *label);

/*
 * A phase of the point starts: "cmon-bench: point 2/3, zones=1000: MESSAGE"
 * ("cmon-bench: zones=1000: MESSAGE" outside a series). Flushed at once.
 */
void progress_phase(const struct progress *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A line of round r (1-based) of n: "cmon-bench: round 2/5, zones=1000: MESSAGE". */
void progress_round(const struct progress *pg, int r, int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
