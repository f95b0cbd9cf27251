/* ntp - running ntpq once per TTL and holding its answer (see ntp.h). */
#include "ntp.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon_spawn.h"
#include "log.h"
#include "monotime.h"
#include "scrape.h"

#define NTP_WHY_MAX 320

struct ntp {
    char *n_ntpq;
    double n_ttl;
    pthread_mutex_t n_lock;
    pthread_cond_t n_done; /* signalled when a run ends */
    int n_running;         /* a scrape is running ntpq */
    int n_have;            /* n_fs and n_available hold an answer */
    int n_available;
    double n_expires; /* monotonic seconds */
    famset_t n_fs;    /* the answer's families (an exact-size copy) */
};

ntp_t *
ntp_new(const ntp_opts_t *o)
{
    ntp_t *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->n_ntpq = strdup(o->no_ntpq ? o->no_ntpq : NTP_NTPQ_DEFAULT);
    if (n->n_ntpq == NULL) {
        free(n);
        errno = ENOMEM;
        return NULL;
    }
    n->n_ttl = o->no_ttl;
    famset_init(&n->n_fs);
    pthread_mutex_init(&n->n_lock, NULL);
    pthread_cond_init(&n->n_done, NULL);
    return n;
}

void
ntp_free(ntp_t *n)
{
    if (n == NULL)
        return;
    famset_release(&n->n_fs);
    pthread_mutex_destroy(&n->n_lock);
    pthread_cond_destroy(&n->n_done);
    free(n->n_ntpq);
    free(n);
}

/* ---- one run of ntpq ---------------------------------------------------- */

/* The first line of s into buf. */
static void
first_line(const char *s, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(s, "\n"), s);
}

/*
 * Runs ntpq with the commands (NULL-terminated) and leaves its stdout in
 * *out (malloc'd). 0, or -1 with the reason in why: it cannot run, it ran
 * past the timeout, ntpd is down, it said something on stderr, it failed.
 */
static int
ntpq_run(const ntp_t *n, const char *const *cmds, char **out, char *why, size_t len)
{
    char *argv[16];
    size_t k = 0;
    argv[k++] = n->n_ntpq;
    argv[k++] = "-n";
    for (size_t i = 0; cmds[i] != NULL && k < 14; i++) {
        argv[k++] = "-c";
        argv[k++] = (char *)cmds[i];
    }
    argv[k] = NULL;
    spawn_opts_t so = {.so_stdin = {.sio_kind = SPAWN_IO_NULL},
                       .so_stdout = {.sio_kind = SPAWN_IO_PIPE},
                       .so_stderr = {.sio_kind = SPAWN_IO_PIPE}};
    spawn_capture_t o = {.sc_max = NTP_OUTPUT_MAX}, e = {.sc_max = 4096};
    int status = 0, rc = -1;
    char line[200] = "";
    if (spawn_run(argv, &so, NTP_RUN_TIMEOUT_MS, &o, &e, &status) != 0) {
        if (errno == ETIMEDOUT)
            snprintf(why, len, "%s did not answer within %d ms (killed)", n->n_ntpq,
                     NTP_RUN_TIMEOUT_MS);
        else
            snprintf(why, len, "cannot run %s: %s", n->n_ntpq, strerror(errno));
    } else if (e.sc_len > 0) {
        first_line(e.sc_buf, line, sizeof(line));
        if (strstr(line, ": read: Connection refused") != NULL)
            snprintf(why, len, "ntpd is not running (%s)", line);
        else
            snprintf(why, len, "%s says: %s", n->n_ntpq, line);
    } else if (status != 0) {
        snprintf(why, len, "%s exited with status %d", n->n_ntpq, spawn_exit_code(status));
    } else if (o.sc_truncated) {
        snprintf(why, len, "%s printed more than %d bytes", n->n_ntpq, NTP_OUTPUT_MAX);
    } else if (o.sc_len > 0 && memchr(o.sc_buf, '\0', o.sc_len) != NULL) {
        snprintf(why, len, "%s printed a NUL byte", n->n_ntpq);
    } else {
        *out = o.sc_buf ? o.sc_buf : strdup("");
        o.sc_buf = NULL;
        rc = *out ? 0 : -1;
    }
    spawn_capture_release(&o);
    spawn_capture_release(&e);
    return rc;
}

/* Both commands, parsed into d. 0, or -1 with why. */
static int
ntpq_read(const ntp_t *n, ntp_data_t *d, char *why, size_t len)
{
    static const char *const peers[] = {"apeers", NULL};
    const char *vars[8] = {"iostats", "kerninfo", "monstats", "sysinfo", "sysstats", NULL, NULL};
    char readvar[32], *text = NULL, err[NTP_ERR_MAX];
    if (ntpq_run(n, peers, &text, why, len) != 0)
        return -1;
    int rc = ntpq_parse_peers(text, d, err, sizeof(err));
    free(text);
    text = NULL;
    if (rc != 0) {
        snprintf(why, len, "cannot read %s: %s", n->n_ntpq, err);
        return -1;
    }
    if (d->nd_syspeer >= 0) {
        snprintf(readvar, sizeof(readvar), "readvar %u", d->nd_peers[d->nd_syspeer].np_assid);
        vars[5] = readvar;
    }
    if (ntpq_run(n, vars, &text, why, len) != 0)
        return -1;
    rc = ntpq_parse_vars(text, d, err, sizeof(err));
    free(text);
    if (rc != 0)
        snprintf(why, len, "cannot read %s: %s", n->n_ntpq, err);
    return rc;
}

/* A whole answer into fs: 1 available, 0 not (logged). */
static int
ntp_answer(const ntp_t *n, famset_t *fs)
{
    char why[NTP_WHY_MAX], missing[NTP_WHY_MAX];
    ntp_data_t *d = malloc(sizeof(*d));
    int available = 0;
    if (d == NULL)
        snprintf(why, sizeof(why), "out of memory");
    else if (ntpq_read(n, d, why, sizeof(why)) == 0)
        available = ntp_emit(d, fs, missing, sizeof(missing)) == 0;
    if (d != NULL && !available && famset_failed(fs))
        snprintf(why, sizeof(why), "out of memory");
    free(d);
    if (!available)
        famset_reset(fs);
    if (!available)
        log_msg(LOG_WARN, "ntp: %s; ntp_metrics_available_boolean 0", why);
    else if (missing[0] != '\0')
        log_msg(LOG_WARN, "ntp: %s printed no %s; those families are left out", n->n_ntpq, missing);
    return available;
}

/* ---- the answer held ----------------------------------------------------- */

void
ntp_refresh(ntp_t *n, ntp_turn_t *turn)
{
    turn->nt_ran = 0;
    turn->nt_ns = 0;
    pthread_mutex_lock(&n->n_lock);
    double now = cmon_monotime_s();
    while (n->n_running && !n->n_have)
        pthread_cond_wait(&n->n_done, &n->n_lock);
    if (n->n_running || (n->n_have && now < n->n_expires)) {
        pthread_mutex_unlock(&n->n_lock);
        return;
    }
    n->n_running = 1;
    pthread_mutex_unlock(&n->n_lock);

    int64_t t0 = cmon_monotime_ns();
    famset_t fs = FAMSET_INIT;
    int available = ntp_answer(n, &fs);
    pthread_mutex_lock(&n->n_lock);
    if (famset_copy_exact(&n->n_fs, &fs) != 0)
        available = 0;
    n->n_available = available;
    n->n_have = 1;
    n->n_expires = cmon_monotime_s() + n->n_ttl;
    n->n_running = 0;
    pthread_cond_broadcast(&n->n_done);
    pthread_mutex_unlock(&n->n_lock);
    famset_release(&fs);
    turn->nt_ran = 1;
    turn->nt_ns = (uint64_t)(cmon_monotime_ns() - t0);
}

int
ntp_collect(ntp_t *n, const ntp_turn_t *turn, famset_t *fs)
{
    scrape_meta_t m;
    if (scrape_meta_begin(fs, "ntp", &m) != 0)
        return -1;
    int64_t t0 = cmon_monotime_ns();
    size_t before = fs->fs_nsamples;
    pthread_mutex_lock(&n->n_lock);
    int available = n->n_have && n->n_available;
    int rc = available ? famset_merge(fs, &n->n_fs) : 0;
    pthread_mutex_unlock(&n->n_lock);
    if (rc != 0)
        return -1;
    available = available && fs->fs_nsamples > before;
    uint64_t ns = turn->nt_ns + (uint64_t)(cmon_monotime_ns() - t0);
    return scrape_meta_end(fs, &m, available, !turn->nt_ran, ns);
}
