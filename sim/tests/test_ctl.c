/*
 * test_ctl.c - `cmon-sim ctl` against a real `cmon-sim serve`, and what the
 * real cmon-agent shows of it.
 *
 * socket: serve's control socket is 0600 beside the world, a client holding
 * half a request holds nobody up, a second serve is refused on it, a stale one
 * replaced, and ctl names each way a socket can be wrong (missing, not a
 * socket, another user's, its serve dead).
 * usage: ctl's usage errors exit 2 with the world untouched.
 * agent: a fault set by ctl shows as zone_vfs_metrics_available_boolean 0 in
 * a scrape and goes with fault clear; a zone created by ctl appears in the
 * agent's discovery and a destroyed one leaves it; time advance moves a
 * zone's CPU counter by the load times the time.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "test_util.h"

static char out[1 << 17], err[8192];

/* Runs `cmon-sim ARGS...` to the end; its exit status. */
#define SIM(...)                                                                                   \
    test_run_bin("cmon-sim", (const char *const[]){__VA_ARGS__, NULL}, out, sizeof(out), err,      \
                 sizeof(err), 60)

static void
world_name(char *path, size_t len, const char *what)
{
    snprintf(path, len, "/dev/shm/cmon-test-ctl-%s-%ld", what, (long)getpid());
}

/*
 * Starts argv (NULL-ended; env an extra "NAME=VALUE" or NULL) and waits for a
 * line on its stdout (fd 1) or stderr (fd 2) containing want, copied into
 * line. Returns its pid, or -1 (the child killed) when it never came.
 */
static pid_t
start_until(char *const *argv, const char *env, int fd, const char *want, char *line, size_t len)
{
    int p[2];
    pid_t pid;

    if (pipe(p) != 0)
        return -1;
    if ((pid = fork()) == 0) {
        dup2(p[1], fd);
        close(p[0]);
        close(p[1]);
        if (env != NULL)
            putenv((char *)env);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    line[0] = '\0';
    while (f != NULL && fgets(line, (int)len, f) != NULL && strstr(line, want) == NULL)
        ;
    if (strstr(line, want) == NULL) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
    }
    if (f != NULL)
        fclose(f); /* a write after this gets EPIPE: neither child logs much */
    return pid;
}

static pid_t
serve_start(const char *world, const char *const *more)
{
    char *argv[24] = {
        (char *)test_bin("cmon-sim"), "serve", "--world", (char *)world, "--vminfod", "none"};
    char line[512];
    int n = 6;

    for (; more[n - 6] != NULL && n < 23; n++)
        argv[n] = (char *)more[n - 6];
    argv[n] = NULL;
    return start_until(argv, NULL, 1, world, line, sizeof(line));
}

#define SERVE(world, ...) serve_start(world, (const char *const[]){__VA_ARGS__, NULL})

/* Sends sig and waits; the exit status, or -1 when it did not exit normally. */
static int
stop(pid_t pid, int sig)
{
    int status;

    kill(pid, sig);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Removes the world's files a failed test may leave. */
static void
remove_all(const char *world)
{
    char p[256];

    world_unlink(world);
    snprintf(p, sizeof(p), "%s.lock", world);
    unlink(p);
    snprintf(p, sizeof(p), "%s.ctl", world);
    unlink(p);
}

/* ---- the socket ------------------------------------------------------------------- */

/* A client that connects to path and sends half a request, then holds on; its fd. */
static int
half_request(const char *path)
{
    static const char half[] = "POST /v1/zones/halt HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100\r\n\r\n{\"count\":";
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    if (strlen(path) >= sizeof(a.sun_path)) {
        close(fd);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        write(fd, half, sizeof(half) - 1) != (ssize_t)(sizeof(half) - 1)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void
test_socket(void)
{
    char world[128], ctl[160], other[128], want[512];
    struct stat st;

    world_name(world, sizeof(world), "sock");
    world_name(other, sizeof(other), "sock2");
    snprintf(ctl, sizeof(ctl), "%s.ctl", world);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 1); /* no serve yet */
    snprintf(want, sizeof(want),
             "cmon-sim ctl: no control socket at %s (is cmon-sim serve running?)\n", ctl);
    CU_ASSERT_STRING_EQUAL(err, want);

    pid_t pid = SERVE(world, "--zones", "4");
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL_FATAL(stat(ctl, &st), 0);
    CU_ASSERT(S_ISSOCK(st.st_mode));
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "zones   4 (4 running, 0 installed) of 4\n"));
    CU_ASSERT_EQUAL(SIM("ctl", "--control", ctl, "--json", "state"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "{\"time\":", 8), 0);
    /* a client holding a connection with half a request holds nobody up, and changes nothing */
    int held = half_request(ctl);
    CU_ASSERT(held >= 0);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "zones   4 (4 running, 0 installed) of 4\n"));
    if (held >= 0)
        close(held);
    /* another serve (another world) on the same socket: refused, the first one untouched */
    CU_ASSERT_EQUAL(
        SIM("serve", "--zones", "1", "--world", other, "--vminfod", "none", "--control", ctl), 1);
    snprintf(want, sizeof(want), "control socket %s: in use, another serve answers there", ctl);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 0);
    if (geteuid() == 0) { /* another user's socket */
        CU_ASSERT_EQUAL(chown(ctl, 65534, 65534), 0);
        CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "belongs to uid 65534, not to you (uid 0)"));
        CU_ASSERT_EQUAL(chown(ctl, 0, 0), 0);
    }
    /* serve dies without removing it: the socket is stale */
    CU_ASSERT_EQUAL(stop(pid, SIGKILL), -1);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "time", "advance", "5"), 1);
    snprintf(want, sizeof(want),
             "cmon-sim ctl: nothing answers on %s: its serve died (a stale socket)\n", ctl);
    CU_ASSERT_STRING_EQUAL(err, want);
    pid = SERVE(world, "--zones", "2"); /* replaces the stale world and socket */
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "zones   2 "));
    CU_ASSERT_EQUAL(stop(pid, SIGTERM), 0);
    CU_ASSERT_NOT_EQUAL(stat(ctl, &st), 0); /* removed on exit */
    /* a file that is not a socket: serve refuses to take its place, ctl to talk to it */
    FILE *f = fopen(ctl, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(SIM("serve", "--zones", "1", "--world", world, "--vminfod", "none"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists and is not a socket"));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is not a socket"));
    remove_all(world);
    remove_all(other);
}

/* ---- usage -------------------------------------------------------------------------- */

static void
test_usage(void)
{
    char world[128];

    world_name(world, sizeof(world), "usage");
    pid_t pid = SERVE(world, "--zones", "3", "--tick", "0");
    CU_ASSERT_FATAL(pid > 0);
    static const char *const bad[][6] = {
        {"frobnicate", NULL},
        {"zone", "explode", NULL},
        {"zone", NULL},
        {"fault", "set", "--module", "zones", "--errno", "EIO"}, /* no rate: fine, see below */
    };
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, bad[0][0]), 2);
    CU_ASSERT_STRING_EQUAL(err,
                           "cmon-sim ctl: unknown verb: frobnicate\nTry 'cmon-sim ctl --help'.\n");
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, bad[1][0], bad[1][1]), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, bad[2][0]), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "fault", "set", "--module", "zones", "--errno", "EIO",
                        "--rate", "1.5"),
                    2);
    CU_ASSERT_STRING_EQUAL(err, "cmon-sim ctl: bad value for --rate: 1.5 (want a number from 0 "
                                "to 1)\nTry 'cmon-sim ctl --help'.\n");
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "fault", "set", "--module", "zones", "--rate", "-1"),
                    2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "time", "advance"), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "time", "advance", "soon"), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "halt", "a", "b"), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "halt"), 2); /* no zone named */
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "halt", "a", "--count", "1"), 2); /* two */
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "create", "--count", "many"), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "--control", "/x", "state"), 2);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world), 2);
    /* what only the world can judge: serve's answer, exit 1 */
    CU_ASSERT_EQUAL(
        SIM("ctl", "-w", world, "fault", "set", "--module", "zonez", "--latency-us", "5"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown module 'zonez'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(HTTP 404)"));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "reboot", "no-such-zone"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no zone no-such-zone (HTTP 404)"));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "boot", "--count", "1"), 1); /* all running */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(HTTP 409)"));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "create"), 1); /* no room */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "serve --max-zones"));
    /* the world is as it was: 3 zones running, no fault, time frozen at 0 */
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "state"), 0);
    CU_ASSERT_STRING_EQUAL(out, "time    0.000 s of virtual time, frozen\n"
                                "zones   3 (3 running, 0 installed) of 3\nfaults  0\n");
    /* every verb's help: exit 0, each of its flags */
    CU_ASSERT_EQUAL(SIM("ctl", "fault", "set", "--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--latency-us=N"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--rate=R"));
    CU_ASSERT_EQUAL(SIM("ctl", "zone", "reboot", "-h"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(UUID | --alias PATTERN | --count N)"));
    CU_ASSERT_EQUAL(SIM("ctl", "time", "advance", "--help"), 0);
    CU_ASSERT_EQUAL(stop(pid, SIGTERM), 0);
    remove_all(world);
}

/* ---- with the agent ---------------------------------------------------------------- */

/* GET url into out; the status (0: no answer). */
static long
get(const char *url)
{
    struct fetch_req rq = {.rq_url = url, .rq_timeout_s = 30};
    struct fetch_resp rs = {0};
    long status = fetch_once(&rq, &rs) == 0 ? rs.rs_status : 0;

    snprintf(out, sizeof(out), "%s", rs.rs_body ? rs.rs_body : "");
    fetch_resp_release(&rs);
    return status;
}

/* The value of the sample named name (the whole name, no labels) in out, or -1. */
static double
sample(const char *name)
{
    char want[128];
    const char *p;

    snprintf(want, sizeof(want), "\n%s ", name);
    p = strstr(out, want);
    return p ? strtod(p + strlen(want), NULL) : -1;
}

/* The uuid in the first "uuid":"..." of text. */
static void
first_uuid(const char *text, char *uuid, size_t len)
{
    const char *p = strstr(text, "\"uuid\":\"");

    uuid[0] = '\0';
    if (p != NULL)
        snprintf(uuid, len, "%.36s", p + 8);
}

/* Polls the agent's discovery (0.1 s apart, up to 10 s) until uuid is (or is not) listed. */
static int
discovered(const char *base, const char *uuid, int listed)
{
    char url[256];

    snprintf(url, sizeof(url), "%s/v1/discover", base);
    for (int i = 0; i < 100; i++) {
        if (get(url) == 200 && (strstr(out, uuid) != NULL) == listed)
            return 1;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void
test_agent(void)
{
    char world[128], env[200], line[512], base[64], url[256], uuid[64], fresh[64];

    world_name(world, sizeof(world), "agent");
    pid_t sp = SERVE(world, "--zones", "3", "--max-zones", "5", "--tick", "0");
    CU_ASSERT_FATAL(sp > 0);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", world);
    char *aargv[] = {
        (char *)test_bin("cmon-agent"), "--listen", "127.0.0.1:0", "--cache-ttl", "0", NULL};
    pid_t ap = start_until(aargv, env, 2, "listening on ", line, sizeof(line));
    CU_ASSERT_FATAL(ap > 0);
    snprintf(base, sizeof(base), "http://%.*s", (int)strcspn(strstr(line, "on ") + 3, "\n "),
             strstr(line, "on ") + 3);
    CU_ASSERT_EQUAL_FATAL(SIM("ctl", "-w", world, "--json", "state", "--zones"), 0);
    first_uuid(strstr(out, "\"list\""), uuid, sizeof(uuid));
    snprintf(url, sizeof(url), "%s/v1/%s/metrics", base, uuid);

    /* a fault: the zone_vfs collector fails in the scrape, and comes back when cleared */
    CU_ASSERT_EQUAL(get(url), 200);
    CU_ASSERT_EQUAL(sample("zone_vfs_metrics_available_boolean"), 1);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "fault", "set", "--module", "zone_vfs", "--errno",
                        "EIO", "--rate", "1"),
                    0);
    CU_ASSERT_EQUAL(get(url), 200);
    CU_ASSERT_EQUAL(sample("zone_vfs_metrics_available_boolean"), 0);
    CU_ASSERT_EQUAL(sample("zone_misc_metrics_available_boolean"), 1);
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "fault", "clear", "--module", "zone_vfs"), 0);
    CU_ASSERT_EQUAL(get(url), 200);
    CU_ASSERT_EQUAL(sample("zone_vfs_metrics_available_boolean"), 1);

    /* time: one CPU of user load for 3600 s of virtual time is 3600 s of cpu_user_usage (ns) */
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "load", uuid, "--cpu-user", "1"), 0);
    CU_ASSERT_EQUAL(get(url), 200);
    double before = sample("cpu_user_usage");
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "time", "advance", "3600"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "3600.000 s of virtual time, frozen"));
    CU_ASSERT_EQUAL(get(url), 200);
    CU_ASSERT_DOUBLE_EQUAL(sample("cpu_user_usage") - before, 3600e9, 1e6);

    /* a zone made by ctl is discovered; destroyed, it is gone from discovery and 404 */
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "--json", "zone", "create", "--brand", "lx"), 0);
    first_uuid(out, fresh, sizeof(fresh));
    CU_ASSERT_EQUAL(strlen(fresh), 36);
    CU_ASSERT(discovered(base, fresh, 1));
    CU_ASSERT_EQUAL(SIM("ctl", "-w", world, "zone", "destroy", fresh), 0);
    CU_ASSERT(discovered(base, fresh, 0));
    snprintf(url, sizeof(url), "%s/v1/%s/metrics", base, fresh);
    CU_ASSERT_EQUAL(get(url), 404);
    CU_ASSERT_EQUAL(stop(ap, SIGTERM), 0);
    CU_ASSERT_EQUAL(stop(sp, SIGTERM), 0);
    remove_all(world);
}

int
main(int argc, char **argv)
{
    static const CU_TestInfo cases[] = {
        {"socket", test_socket},
        {"usage", test_usage},
        {"agent", test_agent},
        {NULL, NULL},
    };

    signal(SIGPIPE, SIG_IGN);
    return cunit_main(argc, argv, "ctl", cases);
}
