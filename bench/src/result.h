/*
 * result.h - the figures of one benchmark run, shared by the load generator,
 * the report writers and the baseline comparison.
 */
#ifndef CMON_BENCH_RESULT_H
#define CMON_BENCH_RESULT_H

#include <stdint.h>

#include "hist.h"

#define RESULT_MAX_STATUS 600

/* Failed scrapes by kind. Every failed request is counted in exactly one field. */
struct result_errors {
    uint64_t re_timeout;                   /* no answer within the request timeout */
    uint64_t re_connect;                   /* refused, reset, closed mid-answer */
    uint64_t re_other;                     /* any other client-side failure */
    char re_other_first[80];               /* curl's message for the first of them; "" none */
    uint64_t re_unsent;                    /* open loop: due but never sent before the end */
    uint64_t re_status[RESULT_MAX_STATUS]; /* answered with this HTTP status (not 200) */
};

/* One server's figures in one run (the agent's, or the reference server's). */
struct result_figures {
    uint64_t rf_requests; /* measured requests: rf_ok + every error */
    uint64_t rf_ok;       /* answered 200 */
    struct result_errors rf_err;
    struct hist *rf_hist;   /* latency of the 200 answers, ns; owned */
    double rf_elapsed_s;    /* measured wall time (warm-up excluded) */
    uint64_t rf_bytes;      /* body bytes of the 200 answers */
    uint64_t rf_connects;   /* connections opened by measured requests (TLS: handshakes) */
    double rf_cpu_s;        /* server CPU (user+sys) while measured; < 0 unknown */
    long rf_peak_rss_kb;    /* server VmHWM at the end; < 0 unknown */
    long rf_shmem_kb;       /* largest RssShmem seen (shared world pages); < 0 unknown */
    double rf_client_cpu_s; /* the benchmark's own CPU while measured */
    char rf_error[256];     /* why the run stopped early; "" when it did not */
    int rf_rounds;          /* measurement rounds merged into these figures */
};

#define RESULT_MAX_ROUNDS 100 /* --rounds at most */

/* One server's figures in one round alone: how much rounds differ shows the noise. */
struct result_round {
    double rd_scrapes_per_s;
    double rd_p99_ms;         /* < 0 when nothing succeeded */
    double rd_cpu_s_per_1000; /* the server's CPU a 1,000 scrapes; < 0 unknown */
};

/* One point of a series: the agent's figures and, when one ran, the reference's. */
struct result_run {
    long rr_zones;        /* zones in the world; -1 unknown (--url without a world) */
    int rr_concurrency;   /* connections (closed loop: requests in flight) */
    double rr_rate;       /* open loop: scheduled scrapes/s; 0 for closed loop */
    double rr_duration_s; /* asked measurement time */
    double rr_warmup_s;   /* asked warm-up time */
    int rr_rounds;        /* measurement rounds, alternating agent and reference */
    long rr_primed;       /* instances scraped once (200) before the warm-up; 0 none */
    int rr_interleaved;   /* rounds taken in turns with the other points of the series */
    double rr_loadavg;    /* 1-minute load average of the machine when the run began */
    int rr_gzip;          /* asked for gzip */
    int rr_openmetrics;   /* asked for OpenMetrics */
    int rr_gz;            /* scraped /v1/gz/metrics instead of instances */
    long rr_instances;    /* instances scraped at random */
    struct result_figures rr_agent;
    int rr_has_ref;
    char rr_ref_name[16]; /* "nginx" */
    struct result_figures rr_ref;
    struct result_round rr_by_round[RESULT_MAX_ROUNDS][2]; /* [round][0 agent, 1 reference] */
    int rr_nby_round;
};

/* Allocate the histogram of a zeroed figures record. Returns 0, or -1 (ENOMEM). */
int result_figures_init(struct result_figures *f);
/* Free what a figures record owns; the record itself stays (zeroed). */
void result_figures_release(struct result_figures *f);
/*
 * Add the figures of one more round src into dst: counts, histogram, time,
 * bytes and CPU add up, peak RSS is the larger. Unknown (negative) CPU in
 * either makes the sum unknown. src keeps its own histogram.
 */
void result_figures_merge(struct result_figures *dst, const struct result_figures *src);
/* Total failed requests of every kind. */
uint64_t result_errors_total(const struct result_errors *e);
/* Successful scrapes per second of measured time (0 when nothing was measured). */
double result_scrapes_per_s(const struct result_figures *f);

#endif
