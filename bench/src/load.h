/*
 * load.h - the scrape load: one libcurl multi handle, keep-alive connections,
 * closed loop (a fixed number of requests in flight) or open loop (a fixed
 * schedule of requests per second; each latency counts from the request's
 * scheduled time, so a stall of the server is not hidden by a waiting client).
 */
#ifndef CMON_BENCH_LOAD_H
#define CMON_BENCH_LOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "result.h"

struct curl_slist;
struct fetch_tls;

struct load_spec {
    const char *ls_base;                 /* "http://127.0.0.1:PORT", no trailing slash; or "" */
    char *const *ls_paths;               /* request paths, each "/..." (or whole URLs when ls_base
                                            is ""); one is drawn per request */
    size_t ls_npaths;                    /* >= 1 */
    int ls_concurrency;                  /* connections; closed loop: requests in flight */
    double ls_rate;                      /* open loop scrapes/s; 0 = closed loop */
    double ls_duration_s;                /* measured time, > 0 */
    double ls_warmup_s;                  /* unmeasured time before it, >= 0 */
    double ls_timeout_s;                 /* per-request timeout, > 0 */
    uint64_t ls_seed;                    /* seeds the choice of paths */
    const struct curl_slist *ls_headers; /* extra request headers (Accept...), or NULL */
    const struct fetch_tls *ls_tls;      /* https: certificates, CAs, --resolve; NULL: none */
    int ls_no_keepalive;                 /* a new connection (TLS: a full handshake) per request */
    long ls_connections;                 /* connections kept open, 0: ls_concurrency; more when the
                                            paths name many hosts (one connection per host, as
                                            Prometheus keeps one per target) */
    int ls_open_all;                     /* before the warm-up, request every path once (not
                                            counted) so that each host's connection is open */
    pid_t ls_pid;                        /* server to watch (CPU, RSS, death); 0 = none */
    volatile sig_atomic_t *ls_stop;      /* set asynchronously to stop early; may be NULL */
};

/*
 * Run the load and fill out (initialised with result_figures_init). Requests
 * are bounded by the duration: none starts after warm-up + duration, and those
 * in flight are waited for at most the request timeout.
 * Returns 0 when the run went its full length, or -1 when it stopped early
 * (server gone, stop flag, client failure): out->rf_error says why and the
 * figures hold what was measured until then.
 */
int load_run(const struct load_spec *spec, struct result_figures *out);

/*
 * The same load in rounds that keep the client between them: its curl
 * handles, its connections (one per host after ls_open_all, which is done
 * once, before the first round) and TLS sessions. Two sessions taking turns
 * round after round compare two servers over the same stretch of time
 * without opening thousands of connections each turn.
 *
 * load_session_open returns the session, or NULL with out->rf_error. spec
 * must outlive the session; between rounds its seed, warm-up and duration
 * may change (the rest is read once). load_session_round runs one round
 * into out (initialised with result_figures_init) and returns as load_run.
 * load_session_close closes every connection; NULL is ignored.
 */
struct load_session;
struct load_session *load_session_open(const struct load_spec *spec, struct result_figures *out);
int load_session_round(struct load_session *ls, struct result_figures *out);
void load_session_close(struct load_session *ls);

/* Count a finished request in out: curl result, HTTP status, latency, body bytes. */
void load_count(struct result_figures *out, int curl_code, long status, uint64_t ns,
                uint64_t bytes);

/* splitmix64: the next value of a seeded sequence (state advanced in place). */
uint64_t load_rand_next(uint64_t *state);

#endif
