/* agent.c - start or find the agent under test (see agent.h). */
#include "agent.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "http.h"
#include "spawn.h"

#define AGENT_WORLD_TIMEOUT_S 600.0 /* building 10,000+ zones on a loaded machine */
#define AGENT_READY_TIMEOUT_S 60.0

static int
agent_bins(const struct opts *o, struct agent_sut *as, char *agent_bin, size_t n, char *err,
           size_t errlen)
{
    char dir[4096];

    if (o->op_bin_dir != NULL)
        snprintf(dir, sizeof(dir), "%s", o->op_bin_dir);
    else if (spawn_self_dir(dir, sizeof(dir)) < 0)
        snprintf(dir, sizeof(dir), ".");
    snprintf(as->as_sim_bin, sizeof(as->as_sim_bin), "%.4000s/cmon-sim", dir);
    snprintf(agent_bin, n, "%.4000s/cmon-agent", dir);
    if (access(as->as_sim_bin, X_OK) < 0 || (o->op_url == NULL && access(agent_bin, X_OK) < 0)) {
        snprintf(err, errlen, "cannot run %s/cmon-sim or cmon-agent: %s (see --bin-dir)", dir,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Start cmon-sim serve and wait for its ready line. */
static int
agent_world_up(const struct opts *o, long zones, struct agent_sut *as, char *err, size_t errlen)
{
    char zbuf[32], seed[32], out[256], log[256], line[512];
    int fd;

    snprintf(as->as_world, sizeof(as->as_world), "/dev/shm/cmon-bench-XXXXXX");
    if ((fd = mkstemp(as->as_world)) < 0) {
        snprintf(err, errlen, "cannot make a world name: %s", strerror(errno));
        as->as_world[0] = '\0';
        return -1;
    }
    close(fd);
    unlink(as->as_world); /* the name is ours; cmon-sim makes the world itself */
    snprintf(zbuf, sizeof(zbuf), "%ld", zones);
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->op_seed);
    snprintf(out, sizeof(out), "%s/sim.out", as->as_logdir); /* the ready line */
    snprintf(log, sizeof(log), "%s/sim.log", as->as_logdir);
    /* the node's vminfod on a port of its own (the agent asks it for link labels) */
    snprintf(as->as_vminfod, sizeof(as->as_vminfod), "127.0.0.1:%d", spawn_free_port());
    char *argv[] = {as->as_sim_bin, "serve", "--zones",   zbuf,           "--world", as->as_world,
                    "--seed",       seed,    "--vminfod", as->as_vminfod, NULL};
    as->as_sim_pid = child_start(argv, NULL, out, log);
    if (as->as_sim_pid < 0) {
        snprintf(err, errlen, "cannot run %s: %s", as->as_sim_bin, strerror(errno));
        return -1;
    }
    if (spawn_wait_line(out, as->as_sim_pid, AGENT_WORLD_TIMEOUT_S, line, sizeof(line)) < 0) {
        int timedout = errno == ETIMEDOUT;
        agent_log_tail(as, "sim.log", line, sizeof(line));
        snprintf(err, errlen, "cmon-sim serve --zones %ld did not get ready: %s%s%.300s", zones,
                 timedout ? "timed out" : "it exited", line[0] ? "; its log: " : "", line);
        return -1;
    }
    return 0;
}

/* 1 when the --agent-arg list holds flag (alone or as flag=VALUE). */
static int
agent_args_name(const struct opts *o, const char *flag)
{
    size_t n = strlen(flag);

    for (int i = 0; i < o->op_nagent_args; i++)
        if (strncmp(o->op_agent_args[i], flag, n) == 0 &&
            (o->op_agent_args[i][n] == '\0' || o->op_agent_args[i][n] == '='))
            return 1;
    return 0;
}

/* One try to start the agent on a fresh port. Returns 0, 1 retry, -1 fatal. */
static int
agent_try(const struct opts *o, struct agent_sut *as, const char *bin, char *err, size_t errlen)
{
    char listen[64], env[256], log[256], url[300], vminfod[64];
    const char *argv[10 + OPTS_MAX_AGENT_ARGS];
    int port = spawn_free_port(), n = 0;

    snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
    snprintf(env, sizeof(env), "CMON_SIM_WORLD=%s", as->as_world);
    snprintf(log, sizeof(log), "%s/agent.log", as->as_logdir);
    argv[n++] = bin;
    argv[n++] = "--listen";
    argv[n++] = listen;
    for (int i = 0; i < o->op_nagent_args; i++)
        argv[n++] = o->op_agent_args[i];
    argv[n] = NULL;
    if (as->as_vminfod[0] != '\0' && !agent_args_name(o, "--vminfod")) {
        snprintf(vminfod, sizeof(vminfod), "http://%s", as->as_vminfod);
        argv[n++] = "--vminfod";
        argv[n++] = vminfod;
        argv[n] = NULL;
    }
    char *envv[] = {env, NULL};
    as->as_agent_pid = child_start((char *const *)argv, envv, log, NULL);
    if (as->as_agent_pid < 0) {
        snprintf(err, errlen, "cannot run %s: %s", bin, strerror(errno));
        return -1;
    }
    as->as_own_agent = 1;
    snprintf(as->as_base, sizeof(as->as_base), "http://%s", listen);
    snprintf(url, sizeof(url), "%s/metrics", as->as_base);
    if (http_wait_ready(url, as->as_agent_pid, AGENT_READY_TIMEOUT_S, err, errlen) == 0)
        return 0;
    child_stop(as->as_agent_pid, 5.0);
    as->as_agent_pid = 0;
    return 1;
}

static int
agent_start(const struct opts *o, struct agent_sut *as, const char *bin, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int r = agent_try(o, as, bin, err, errlen);
        if (r <= 0)
            return r;
    }
    return -1;
}

void
agent_log_tail(const struct agent_sut *as, const char *name, char *buf, size_t n)
{
    char path[300], line[512];

    buf[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", as->as_logdir, name);
    FILE *f = as->as_logdir[0] ? fopen(path, "re") : NULL;
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\0')
            snprintf(buf, n, "%s", line);
    }
    fclose(f);
}

/* Instances from `cmon-sim zones -w world`. */
static int
agent_targets_world(struct agent_sut *as, const char *world, char *err, size_t errlen)
{
    char *argv[] = {as->as_sim_bin, "zones", "-w", (char *)world, NULL};
    char *out = NULL;
    int rc = spawn_capture(argv, 120.0, &out);

    if (rc != 0 || target_parse_zones(out, &as->as_targets) < 0) {
        snprintf(err, errlen, "cannot list the zones of %s: %s", world,
                 rc != 0 ? "cmon-sim zones failed" : "unexpected output");
        free(out);
        return -1;
    }
    free(out);
    return 0;
}

static int
agent_targets_file(struct agent_sut *as, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t len = 0;

    if (f == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    ssize_t n = getdelim(&text, &len, '\0', f);
    fclose(f);
    if (n < 0 || target_parse_file(text, &as->as_targets) < 0) {
        snprintf(err, errlen, "%s: expected one uuid a line or zoneadm list -p lines", path);
        free(text);
        return -1;
    }
    free(text);
    return 0;
}

/* --url: discovery first, then --zones-file, then --world. */
static int
agent_targets_url(const struct opts *o, const struct fetch_tls *tls, struct agent_sut *as,
                  char *err, size_t errlen)
{
    char url[300], why[256];
    struct http_reply r;

    if (o->op_zones_file != NULL)
        return agent_targets_file(as, o->op_zones_file, err, errlen);
    if (o->op_world != NULL)
        return agent_targets_world(as, o->op_world, err, errlen);
    snprintf(url, sizeof(url), "%s/v1/discover", as->as_base);
    if (http_get_with(url, o->op_timeout_s, NULL, tls, &r, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    if (r.hr_status == 200 && r.hr_body != NULL &&
        target_parse_discover(r.hr_body, &as->as_targets) >= 0) {
        free(r.hr_body);
        return 0;
    }
    free(r.hr_body);
    snprintf(err, errlen,
             "%s answered %ld without a list of instances; give --zones-file or --world", url,
             r.hr_status);
    return -1;
}

static int
agent_logdir(struct agent_sut *as, char *err, size_t errlen)
{
    snprintf(as->as_logdir, sizeof(as->as_logdir), "/tmp/cmon-bench-XXXXXX");
    if (mkdtemp(as->as_logdir) == NULL) {
        snprintf(err, errlen, "cannot make a temporary folder: %s", strerror(errno));
        as->as_logdir[0] = '\0';
        return -1;
    }
    return 0;
}

int
agent_up(const struct opts *o, long zones, const struct progress *pg, const struct fetch_tls *tls,
         struct agent_sut *as, char *err, size_t errlen)
{
    char agent_bin[4096];

    memset(as, 0, sizeof(*as));
    if (agent_bins(o, as, agent_bin, sizeof(agent_bin), err, errlen) < 0 && o->op_url == NULL)
        return -1;
    if (o->op_url_template != NULL) { /* whole URLs, one host per instance */
        as->as_base[0] = '\0';
        as->as_agent_pid = (pid_t)o->op_pid;
        as->as_targets.tl_template = o->op_url_template;
        progress_phase(pg, "listing the instances for %s", o->op_url_template);
        return agent_targets_url(o, tls, as, err, errlen);
    }
    if (o->op_url != NULL) {
        snprintf(as->as_base, sizeof(as->as_base), "%s", o->op_url);
        size_t len = strlen(as->as_base);
        while (len > 7 && as->as_base[len - 1] == '/')
            as->as_base[--len] = '\0';
        as->as_agent_pid = (pid_t)o->op_pid;
        if (!o->op_gz)
            progress_phase(pg, "listing the instances of %s", as->as_base);
        return o->op_gz ? 0 : agent_targets_url(o, tls, as, err, errlen);
    }
    if (agent_logdir(as, err, errlen) < 0)
        return -1;
    progress_phase(pg, "building a world of %ld zones (cmon-sim serve)", zones);
    if (agent_world_up(o, zones, as, err, errlen) < 0)
        return -1;
    if (o->op_nfaults > 0)
        progress_phase(pg, "injecting %d fault%s (--fault)", o->op_nfaults,
                       o->op_nfaults == 1 ? "" : "s");
    if (fault_apply(as->as_world, o->op_faults, o->op_nfaults, err, errlen) < 0)
        return -1;
    progress_phase(pg, "starting cmon-agent");
    if (agent_start(o, as, agent_bin, err, errlen) < 0)
        return -1;
    return o->op_gz ? 0 : agent_targets_world(as, as->as_world, err, errlen);
}

static int
agent_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
agent_down(struct agent_sut *as)
{
    if (as->as_own_agent && as->as_agent_pid > 0)
        child_stop(as->as_agent_pid, 5.0);
    as->as_agent_pid = 0;
    if (as->as_sim_pid > 0)
        child_stop(as->as_sim_pid, 10.0);
    as->as_sim_pid = 0;
    if (as->as_world[0] != '\0') { /* left behind only if serve had to be killed */
        char side[sizeof(as->as_world) + 8];
        unlink(as->as_world);
        snprintf(side, sizeof(side), "%s.zfs", as->as_world);
        unlink(side);
        snprintf(side, sizeof(side), "%s.lock", as->as_world);
        unlink(side);
        snprintf(side, sizeof(side), "%s.ctl", as->as_world); /* its control socket */
        unlink(side);
    }
    as->as_world[0] = '\0';
    if (as->as_logdir[0] != '\0')
        nftw(as->as_logdir, agent_rm, 16, FTW_DEPTH | FTW_PHYS);
    as->as_logdir[0] = '\0';
    target_list_release(&as->as_targets);
}
