/*
 * agent.c - starting and stopping cmon-agent. The port is picked by binding
 * port 0 and released just before the agent binds it; if another process
 * takes it in between, the agent exits and we try another port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "agent.h"

#define AGENT_START_TRIES 5
#define AGENT_READY_S 60 /* generous: loaded machines, sanitizer builds */
#define AGENT_STOP_GRACE_S 10

static int
agent_connects(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* The agent's changes to our environment: the world, the clock and the
 * preload (no FAKETIME setting of ours leaks in; with ag_real_clock neither
 * clock nor preload). Strings live in buf. */
static void
agent_env(const struct scn_agent *a, char (*buf)[PATH_MAX + 64], char *env[8])
{
    const char *asan = getenv("ASAN_OPTIONS");
    snprintf(buf[0], sizeof(buf[0]), "CMON_SIM_WORLD=%s", a->ag_world);
    snprintf(buf[1], sizeof(buf[1]), "LD_PRELOAD=%s", SCN_FAKETIME_LIB);
    snprintf(buf[2], sizeof(buf[2]), "FAKETIME_TIMESTAMP_FILE=%s", a->ag_clock);
    snprintf(buf[3], sizeof(buf[3]), "FAKETIME_NO_CACHE=1");
    snprintf(buf[4], sizeof(buf[4]), "TZ=UTC");
    /* libfaketime is preloaded before the sanitizer runtime of an ASan build. */
    snprintf(buf[5], sizeof(buf[5]), "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
             asan ? ":" : "");
    env[0] = "FAKETIME*";
    size_t k = 1;
    for (size_t i = 0; i < 6; i++)
        if (!a->ag_real_clock || (i != 1 && i != 2 && i != 3))
            env[k++] = buf[i];
    if (a->ag_real_clock)
        env[k++] = "LD_PRELOAD"; /* ours may be a sanitizer's: none for it */
    env[k] = NULL;
}

/* argv[i] with "{port}" replaced by the port, into buf (sim.process). */
static char *
agent_arg(const struct scn_agent *a, int i, char *buf, size_t len)
{
    const char *s = a->ag_argv[i], *p = strstr(s, "{port}");
    if (!a->ag_generic || p == NULL)
        return a->ag_argv[i];
    snprintf(buf, len, "%.*s%d%s", (int)(p - s), s, a->ag_port, p + 6);
    return buf;
}

/* Starts the agent in its own process group, stdin /dev/null, stdout and
 * stderr appended to its log, killed if the engine dies. 0 or -1 (errno). */
static int
agent_spawn(struct scn_agent *a)
{
    char listen[64];
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", a->ag_port);
    char *argv[SCN_AGENT_ARGS_MAX + 4];
    int k = 0;
    argv[k++] = a->ag_name[0] ? a->ag_name : "cmon-agent";
    if (!a->ag_generic) {
        argv[k++] = "--listen";
        argv[k++] = listen;
    }
    char(*subst)[256] = calloc((size_t)a->ag_argc + 1, sizeof(*subst));
    char(*buf)[PATH_MAX + 64] = calloc(6, sizeof(*buf));
    if (subst == NULL || buf == NULL) {
        free(subst);
        free(buf);
        return errno = ENOMEM, -1;
    }
    for (int i = 0; i < a->ag_argc; i++)
        argv[k++] = agent_arg(a, i, subst[i], sizeof(subst[i]));
    argv[k] = NULL;
    char *env[8];
    agent_env(a, buf, env);
    spawn_opts_t o = {.so_path = a->ag_bin,
                      .so_env = env,
                      .so_stdin = {.sio_kind = SPAWN_IO_NULL},
                      .so_stdout = {.sio_kind = SPAWN_IO_FILE, .sio_path = a->ag_log},
                      .so_stderr = {.sio_kind = SPAWN_IO_STDOUT},
                      .so_deathsig = SIGKILL}; /* never outlive the engine */
    int rc = spawn_start(&a->ag_sp, argv, &o);
    int err = errno;
    free(buf);
    free(subst);
    errno = err;
    return rc;
}

static void
agent_nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The last line of the agent's log, for error messages. */
static void
agent_log_tail(const struct scn_agent *a, char *out, size_t len)
{
    out[0] = '\0';
    FILE *f = fopen(a->ag_log, "r");
    if (f == NULL)
        return;
    char line[512];
    /* a usage error ends with "Try 'PROG --help'.": the line before it says what */
    while (fgets(line, sizeof(line), f) != NULL)
        if (line[0] != '\n' && strncmp(line, "Try '", 5) != 0)
            snprintf(out, len, "%.200s", line);
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
}

/* Waits for the agent to listen. 0 ready, 1 it exited (status kept), -1 timeout. */
static int
agent_wait_ready(struct scn_agent *a)
{
    /* a process that listens on nothing: ready unless it dies at once */
    int polls = a->ag_generic && !a->ag_want_port ? 10 : AGENT_READY_S * 50;
    for (int i = 0; i < polls; i++) {
        if ((!a->ag_generic || a->ag_want_port) && agent_connects(a->ag_port))
            return 0;
        if (spawn_reap(&a->ag_sp) != 0)
            return 1;
        agent_nap(20);
    }
    return a->ag_generic && !a->ag_want_port ? 0 : -1;
}

static int
agent_try(struct scn_agent *a, int fixed_port, char *err, size_t errlen)
{
    a->ag_port = fixed_port ? fixed_port : cmon_listen_free_port();
    if (a->ag_port <= 0)
        return snprintf(err, errlen, "cannot find a free port: %s", strerror(errno)), -1;
    snprintf(a->ag_url, sizeof(a->ag_url), "http://127.0.0.1:%d", a->ag_port);
    if (a->ag_generic && !a->ag_want_port)
        a->ag_url[0] = '\0';
    if (agent_spawn(a) != 0)
        return snprintf(err, errlen, "cannot start %s: %s", a->ag_bin, strerror(errno)), -1;
    int rc = agent_wait_ready(a);
    if (rc < 0) {
        scn_agent_stop(a);
        return snprintf(err, errlen, "%s did not listen on %s within %d s", a->ag_bin, a->ag_url,
                        AGENT_READY_S),
               -1;
    }
    if (rc > 0) {
        char tail[256]; /* holds up to 200 bytes of the line */
        agent_log_tail(a, tail, sizeof(tail));
        snprintf(err, errlen, "%s exited with status %d: %s", a->ag_bin,
                 spawn_exit_code(a->ag_sp.sp_status), tail[0] ? tail : "(no output)");
        return 1;
    }
    return 0;
}

int
scn_agent_start(struct scn_agent *a, char *err, size_t errlen)
{
    if (access(SCN_FAKETIME_LIB, R_OK) != 0)
        return snprintf(err, errlen, "cannot find %s (Debian package libfaketime): %s",
                        SCN_FAKETIME_LIB, strerror(errno)),
               -1;
    if (access(a->ag_bin, X_OK) != 0)
        return snprintf(err, errlen, "cannot run %s: %s", a->ag_bin, strerror(errno)), -1;
    int fixed = a->ag_port; /* a restart tries its old port first */
    for (int i = 0; i < (a->ag_fixed_port ? 1 : AGENT_START_TRIES); i++) {
        int rc = agent_try(a, i == 0 ? fixed : 0, err, errlen);
        if (rc <= 0)
            return rc;
        /* It exited: maybe the port was taken between our probe and its bind. */
    }
    return -1;
}

int
scn_agent_running(struct scn_agent *a)
{
    return a->ag_sp.sp_pid > 0 && spawn_reap(&a->ag_sp) == 0;
}

/*
 * libfaketime (0.9.10) gives a process it starts in its own clock a
 * semaphore and a shared-memory segment for the process's children, named
 * after its pid (/faketime_sem_PID, /faketime_shm_PID), and removes them when
 * the process exits. A process that is killed (SIGKILL after the grace
 * period, the parent-death signal when the engine ends) leaves them in
 * /dev/shm. Removed by name while the process still runs, they go with its
 * last mapping; a child it starts later makes a pair of its own.
 */
void
scn_agent_clock_unlink(const struct scn_agent *a)
{
    char name[64];
    if (a->ag_real_clock || a->ag_sp.sp_pid <= 0)
        return;
    snprintf(name, sizeof(name), "/faketime_sem_%ld", (long)a->ag_sp.sp_pid);
    sem_unlink(name);
    snprintf(name, sizeof(name), "/faketime_shm_%ld", (long)a->ag_sp.sp_pid);
    shm_unlink(name);
}

int
scn_agent_stop(struct scn_agent *a)
{
    scn_agent_clock_unlink(a); /* its exit would; SIGKILL after the grace would not */
    int st = spawn_stop(&a->ag_sp, AGENT_STOP_GRACE_S * 1000);
    return st < 0 ? -1 : spawn_exit_code(st);
}

void
scn_agent_free(struct scn_agent *a)
{
    if (a == NULL)
        return;
    scn_agent_stop(a);
    for (int i = 0; i < a->ag_argc; i++)
        free(a->ag_argv[i]);
    free(a);
}
