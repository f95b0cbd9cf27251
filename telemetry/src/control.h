/* control: the control socket's verbs, as ContainerPilot v3's
 * (control/endpoints.go), without HTTP: server.c routes a request here and
 * sends the answer.
 *
 *   POST /v3/metric               {"name": number, ...}  -> registry_put
 *   POST /v3/environ              {"NAME": "value", ...} -> envset_put
 *   POST /v3/reload               re-read the configuration (below)
 *   POST /v3/maintenance/enable   enter maintenance (registry_maintenance)
 *   POST /v3/maintenance/disable  leave it
 *   GET  /v3/ping                 200: the socket is up
 * A success is 200 with an empty body (as ContainerPilot's); a refusal its
 * status with a one-line reason; another path 404, another method 405.
 *
 * Reload: the HTTP thread cannot swap the configuration itself (the probe
 * loop owns the running probes), so it asks the main loop (a counter, and
 * SIGCHLD to cut its wait short: only the loop's ppoll accepts it, and its
 * handler does nothing else) and waits, at most
 * CONTROL_RELOAD_WAIT seconds, for the loop's answer: 200 applied, 422 the
 * file is broken (the old configuration keeps running; the reason names
 * FILE:LINE:COL). ContainerPilot answered 200 before reading the file; here
 * the client learns whether it took. */
#ifndef TELEMETRY_CONTROL_H
#define TELEMETRY_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "envset.h"
#include "registry.h"
#include "sbuf.h"

#define CONTROL_RELOAD_WAIT 30.0

struct control {
    struct registry *ct_reg;
    struct envset *ct_env;
    pthread_mutex_t ct_lock;
    pthread_cond_t ct_cond; /* signalled when ct_done moves */
    uint64_t ct_asked;      /* reload requests so far */
    uint64_t ct_done;       /* requests answered by the last reload */
    int ct_result;          /* that reload's answer: 200 or 422 */
    char ct_message[1024];  /* and its reason when 422 */
};

/* control_init: answers for reg and env (both outlive it). 0 or -1. */
int control_init(struct control *ct, struct registry *reg, struct envset *env);
void control_free(struct control *ct);

/* control_answer: the answer to one request on the control socket: returns
 * the status, the body text appended to `answer` (empty for 200). `now` is
 * CLOCK_MONOTONIC seconds (for summaries). Counts the answer in
 * containerpilot_control_http_requests. */
int control_answer(struct control *ct, const char *method, const char *path, const char *body,
                   size_t len, double now, sbuf_t *answer);

/* control_allow: the method a control path takes (for a 405's Allow
 * header), NULL for an unknown path. */
const char *control_allow(const char *path);

/* Main loop side of a reload. control_reload_wanted: whether a request
 * waits. control_reload_begin: the requests this reload will answer (call
 * before reading the file). control_reload_end: answers them (code 200 or
 * 422 with msg). */
bool control_reload_wanted(struct control *ct);
uint64_t control_reload_begin(struct control *ct);
void control_reload_end(struct control *ct, uint64_t upto, int code, const char *msg);

#endif
