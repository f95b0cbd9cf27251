/*
 * test_core_e2e - triton_core end to end with the real programs: `cmon-sim
 * serve --core-zones 1 --tick 0` (a still world: the services' values do
 * not move) and cmon-agent with --vminfod and --admin-uuid. The core zone's
 * answer with x-joyent-cmon-opts {"isCoreZone":true} has triton_core's meta
 * families as the reference writes them (golden.c) and every sample its two
 * metric ports serve, value for value, each family once; without the header
 * the VM record decides (core zone yes, plain zone no); an unknown instance
 * is 404 either way.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "fetch.h"
#include "golden.h"
#include "testlib.h"

#define STOP_GRACE_MS 3000
#define OPTS_CORE "x-joyent-cmon-opts: eyJpc0NvcmVab25lIjp0cnVlfQ==" /* {"isCoreZone":true} */

typedef struct t {
    int t_failures;
    char t_tmp[64], t_world[64];
    spawn_t t_sim, t_agent_proc;
    char t_vminfod[128], t_admin[64], t_core[64], t_core_ip[32], t_plain[64], t_agent[80];
} t_t;

#define check(t, ...) testlib_check(&(t)->t_failures, __VA_ARGS__)

/* The whole of file path into buf (len bytes); its length, 0 when unreadable. */
static size_t
slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return n;
}

static int
spawn_logged(spawn_t *sp, char **argv, int out_fd, const char *log, const char *env)
{
    char *envv[] = {(char *)env, NULL};
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    spawn_opts_t o = {.so_env = env ? envv : NULL,
                      .so_stdout = out_fd >= 0 ? (spawn_io_t){SPAWN_IO_FD, out_fd, NULL}
                                               : (spawn_io_t){.sio_kind = SPAWN_IO_INHERIT},
                      .so_stderr = (spawn_io_t){SPAWN_IO_FD, fd, NULL},
                      .so_deathsig = SIGTERM};
    int rc = fd >= 0 ? spawn_start(sp, argv, &o) : -1;
    if (fd >= 0)
        close(fd);
    return rc;
}

/* serve with one core zone; reads the vminfod URL, admin uuid and core zone from its log. */
static int
start_world(t_t *t, const char *bin)
{
    char sim[512], log[128], line[256], buf[8192];
    int fds[2];
    snprintf(sim, sizeof(sim), "%s/cmon-sim", bin);
    snprintf(log, sizeof(log), "%s/serve.log", t->t_tmp);
    char *argv[] = {sim, "serve",     "--zones",     "4",       "--core-zones", "1", "--tick",
                    "0", "--vminfod", "127.0.0.1:0", "--world", t->t_world,     NULL};
    if (pipe(fds) != 0 || spawn_logged(&t->t_sim, argv, fds[1], log, NULL) != 0)
        return -1;
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    int ok = f != NULL && fgets(line, sizeof(line), f) != NULL; /* the world is ready */
    if (f != NULL)
        fclose(f);
    slurp(log, buf, sizeof(buf));
    const char *v = strstr(buf, "vminfod on "), *a = strstr(buf, "admin uuid "),
               *c = strstr(buf, "core zone ");
    return ok && v && a && c && sscanf(v + 11, "%127s", t->t_vminfod) == 1 &&
                   sscanf(a + 11, "%63s", t->t_admin) == 1 &&
                   sscanf(c + 10, "%63s (cloudapi) at %31[0-9.]", t->t_core, t->t_core_ip) == 2
               ? 0
               : -1;
}

static int
start_agent(t_t *t, const char *bin)
{
    char agent[512], env[128], log[128], buf[4096];
    snprintf(agent, sizeof(agent), "%s/cmon-agent", bin);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", t->t_world);
    snprintf(log, sizeof(log), "%s/agent.log", t->t_tmp);
    char *argv[] = {agent,          "--listen", "127.0.0.1:0",    "--vminfod", t->t_vminfod,
                    "--admin-uuid", t->t_admin, "--core-timeout", "1",         NULL};
    if (spawn_logged(&t->t_agent_proc, argv, -1, log, env) != 0)
        return -1;
    for (int i = 0; i < 300; i++) {
        slurp(log, buf, sizeof(buf));
        char *p = strstr(buf, "listening on ");
        if (p != NULL && strchr(p, '\n') != NULL)
            return sscanf(p + 13, "%79s", t->t_agent) == 1 ? 0 : -1;
        usleep(100000);
    }
    return -1;
}

/* GET url (with header hdr, NULL: none): the body (malloc'd) and status in *code. */
static char *
get(const char *url, const char *hdr, long *code)
{
    const char *headers[] = {hdr, NULL};
    struct fetch_req req = {.rq_url = url, .rq_headers = hdr ? headers : NULL, .rq_timeout_s = 20};
    struct fetch_resp resp = {0};
    char *body = NULL;
    *code = 0;
    if (fetch_once(&req, &resp) == 0) {
        *code = resp.rs_status;
        body = strdup(resp.rs_body);
    }
    fetch_resp_release(&resp);
    return body;
}

static char *
agent_get(const t_t *t, const char *uuid, const char *hdr, long *code)
{
    char url[256];
    snprintf(url, sizeof(url), "http://%s/v1/%s/metrics", t->t_agent, uuid);
    return get(url, hdr, code);
}

/* Every sample line of a port's text is in body with the same value; the count checked. */
static void
check_port(t_t *t, const char *body, unsigned port)
{
    char url[128], series[512];
    long code;
    snprintf(url, sizeof(url), "http://%s:%u/metrics", t->t_core_ip, port);
    char *text = get(url, NULL, &code);
    check(t, text != NULL && code == 200, "GET %s: 200 (%ld)", url, code);
    int n = 0, same = 0;
    for (char *l = text, *nl; l != NULL && *l != '\0'; l = nl ? nl + 1 : NULL) {
        nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        const char *sp = strrchr(l, ' ');
        if (*l == '#' || sp == NULL)
            continue;
        snprintf(series, sizeof(series), "%.*s", (int)(sp - l), l);
        n++;
        same += testlib_sample(body, series) == strtod(sp + 1, NULL);
    }
    check(t, n > 10 && same == n, "port %u: %d of its %d samples served with its values", port,
          same, n);
    free(text);
}

static int
count(const char *body, const char *s)
{
    int n = 0;
    for (const char *p = strstr(body, s); p != NULL; p = strstr(p + 1, s))
        n++;
    return n;
}

static void
run(t_t *t)
{
    long code;
    char why[256];
    char *core = agent_get(t, t->t_core, OPTS_CORE, &code);
    check(t, core != NULL && code == 200, "core zone with isCoreZone true: 200 (%ld)", code);
    if (core == NULL)
        return;
    int g = golden_has(core, golden_triton_core_meta, golden_ntriton_core_meta, why, sizeof(why));
    check(t, g == 0, "triton_core's meta families as the reference writes them%s%s", g ? ": " : "",
          g ? why : "");
    check(t, testlib_sample(core, "triton_core_metrics_available_boolean") == 1,
          "triton_core available");
    check_port(t, core, 8881);
    check_port(t, core, 8882);
    check(t,
          count(core, "# TYPE http_requests_completed counter\n") == 1 &&
              count(core, "# TYPE http_request_duration_seconds histogram\n") == 1,
          "each family of both ports declared once (D3)");
    free(core);
    char *legacy = agent_get(t, t->t_core, NULL, &code);
    check(t,
          legacy && code == 200 &&
              testlib_sample(legacy, "triton_core_metrics_available_boolean") == 1,
          "without the header the core zone's VM record makes it a core zone");
    free(legacy);
    char *plain = agent_get(t, t->t_plain, NULL, &code);
    check(t, plain && code == 200 && strstr(plain, "triton_core_") == NULL,
          "without the header a plain zone has no triton_core");
    free(plain);
    char *unknown = agent_get(t, "0f0e0d0c-0b0a-4999-8888-777766665555", NULL, &code);
    check(t, code == 404, "an unknown instance without the header: 404 (%ld; original: 500, D17)",
          code);
    free(unknown);
}

/* A zone of the world that is not the core zone, from `cmon-sim zones`. */
static int
find_plain(t_t *t, const char *bin)
{
    char sim[512], world[80];
    snprintf(sim, sizeof(sim), "%s/cmon-sim", bin);
    snprintf(world, sizeof(world), "%s", t->t_world);
    char *argv[] = {sim, "zones", "-w", world, NULL};
    spawn_capture_t out = {0};
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}};
    int status = 0;
    int rc = spawn_run(argv, &o, 10000, &out, NULL, &status);
    int found = -1;
    for (char *l = out.sc_buf; rc == 0 && l != NULL && found < 0; l = strchr(l, '\n')) {
        l += *l == '\n';
        char name[64];
        if (sscanf(l, "%*[^:]:%63[^:]", name) == 1 && strlen(name) == 36 &&
            strcmp(name, t->t_core) != 0) {
            snprintf(t->t_plain, sizeof(t->t_plain), "%s", name);
            found = 0;
        }
    }
    spawn_capture_release(&out);
    return found;
}

int
main(int argc, char **argv)
{
    t_t t;
    memset(&t, 0, sizeof(t));
    if (argc != 2) {
        fprintf(stderr, "usage: test_core_e2e BIN_DIR\n");
        return 2;
    }
    alarm(120);
    strcpy(t.t_tmp, "/tmp/cmon-core-XXXXXX");
    strcpy(t.t_world, "/dev/shm/cmon-core-XXXXXX");
    int fd = mkstemp(t.t_world);
    if (fd < 0 || mkdtemp(t.t_tmp) == NULL) {
        fprintf(stderr, "cannot make temporary names: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    if (start_world(&t, argv[1]) != 0)
        check(&t, 0, "cmon-sim serve --core-zones 1 starts and names its core zone");
    else if (find_plain(&t, argv[1]) != 0)
        check(&t, 0, "the world has a plain zone");
    else if (start_agent(&t, argv[1]) != 0)
        check(&t, 0, "cmon-agent starts");
    else
        run(&t);
    spawn_stop(&t.t_agent_proc, STOP_GRACE_MS);
    spawn_stop(&t.t_sim, STOP_GRACE_MS);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s.zfs'", t.t_tmp, t.t_world, t.t_world);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", t.t_tmp);
    fprintf(stderr, "%d failure(s)\n", t.t_failures);
    return t.t_failures ? 1 : 0;
}
