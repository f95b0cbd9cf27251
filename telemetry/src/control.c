/* control: ContainerPilot v3's control verbs (see control.h). */
#include "control.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
control_init(struct control *ct, struct registry *reg, struct envset *env)
{
    memset(ct, 0, sizeof *ct);
    ct->ct_reg = reg;
    ct->ct_env = env;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&ct->ct_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    pthread_mutex_init(&ct->ct_lock, NULL);
    return 0;
}

void
control_free(struct control *ct)
{
    pthread_cond_destroy(&ct->ct_cond);
    pthread_mutex_destroy(&ct->ct_lock);
}

/* ---- reload ------------------------------------------------------------- */

/* Asks the main loop for a reload and waits for its answer. */
static int
control_reload(struct control *ct, sbuf_t *answer)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)CONTROL_RELOAD_WAIT;
    pthread_mutex_lock(&ct->ct_lock);
    uint64_t mine = ++ct->ct_asked;
    /* wakes the loop: only its ppoll takes SIGCHLD, whose handler only cuts
     * the wait short (SIGHUP would ask for a second reload) */
    kill(getpid(), SIGCHLD);
    int rc = 0;
    while (ct->ct_done < mine && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ct->ct_cond, &ct->ct_lock, &until);
    int code = ct->ct_done >= mine ? ct->ct_result : 503;
    if (code == 503)
        sbuf_addf(answer, "reload not done within %gs\n", CONTROL_RELOAD_WAIT);
    else if (code != 200)
        sbuf_addf(answer, "%s\n", ct->ct_message);
    pthread_mutex_unlock(&ct->ct_lock);
    return code;
}

bool
control_reload_wanted(struct control *ct)
{
    pthread_mutex_lock(&ct->ct_lock);
    bool wanted = ct->ct_asked > ct->ct_done;
    pthread_mutex_unlock(&ct->ct_lock);
    return wanted;
}

uint64_t
control_reload_begin(struct control *ct)
{
    pthread_mutex_lock(&ct->ct_lock);
    uint64_t upto = ct->ct_asked;
    pthread_mutex_unlock(&ct->ct_lock);
    return upto;
}

void
control_reload_end(struct control *ct, uint64_t upto, int code, const char *msg)
{
    pthread_mutex_lock(&ct->ct_lock);
    if (upto > ct->ct_done)
        ct->ct_done = upto;
    ct->ct_result = code;
    snprintf(ct->ct_message, sizeof ct->ct_message, "%s", msg ? msg : "");
    pthread_cond_broadcast(&ct->ct_cond);
    pthread_mutex_unlock(&ct->ct_lock);
}

/* ---- routing ------------------------------------------------------------ */

/* The verbs: path, method, and what answers it. */
enum control_verb { CV_METRIC, CV_ENVIRON, CV_RELOAD, CV_MAINT_ON, CV_MAINT_OFF, CV_PING };

static const struct {
    const char *path;
    const char *method;
    enum control_verb verb;
} control_routes[] = {
    {"/v3/metric", "POST", CV_METRIC},
    {"/v3/environ", "POST", CV_ENVIRON},
    {"/v3/reload", "POST", CV_RELOAD},
    {"/v3/maintenance/enable", "POST", CV_MAINT_ON},
    {"/v3/maintenance/disable", "POST", CV_MAINT_OFF},
    {"/v3/ping", "GET", CV_PING},
};

static int
control_verb(struct control *ct, enum control_verb v, const char *body, size_t len, double now,
             sbuf_t *answer)
{
    int code = 200;
    switch (v) {
    case CV_METRIC:
        code = registry_put(ct->ct_reg, body, len, now, answer);
        break;
    case CV_ENVIRON:
        code = envset_put(ct->ct_env, body, len, answer);
        break;
    case CV_RELOAD:
        return control_reload(ct, answer);
    case CV_MAINT_ON:
    case CV_MAINT_OFF:
        registry_maintenance(ct->ct_reg, v == CV_MAINT_ON);
        break;
    case CV_PING:
        break;
    }
    if (code != 200)
        sbuf_addc(answer, '\n');
    return code;
}

const char *
control_allow(const char *path)
{
    for (size_t k = 0; k < sizeof control_routes / sizeof control_routes[0]; k++)
        if (strcmp(control_routes[k].path, path) == 0)
            return control_routes[k].method;
    return NULL;
}

int
control_answer(struct control *ct, const char *method, const char *path, const char *body,
               size_t len, double now, sbuf_t *answer)
{
    size_t n = sizeof control_routes / sizeof control_routes[0], k = 0;
    while (k < n && strcmp(control_routes[k].path, path) != 0)
        k++;
    int code;
    if (k == n) {
        code = 404;
        sbuf_adds(answer, "not found\n");
    } else if (strcmp(control_routes[k].method, method) != 0) {
        code = 405;
        sbuf_adds(answer, "method not allowed\n");
    } else {
        code = control_verb(ct, control_routes[k].verb, body, len, now, answer);
    }
    registry_control_request(ct->ct_reg, path, code);
    return code;
}
