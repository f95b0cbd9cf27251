/*
 * test_plugin.c - the plugin layers: directories, plugin.json, the parallel
 * runner with its deadlines and output cap, and formats A and B, with inputs
 * written from the reference (section 4) and its defects D13a..g.
 */
#include "plugin.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit_main.h"
#include "reaper.h"

static char tmpdir[64];

/* Writes an executable shell script called name into tmpdir; its path in out. */
static void
script_write(const char *name, const char *body, char *out, size_t outlen)
{
    FILE *f;
    snprintf(out, outlen, "%s/%s", tmpdir, name);
    f = fopen(out, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(out, 0755);
}

static int
suite_init(void)
{
    strcpy(tmpdir, "/tmp/cmon-plugin-test-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : chmod(tmpdir, 0755);
}

static int
suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static plugin_limits_t
limits(int ms, size_t max)
{
    plugin_limits_t l = {ms, max};
    return l;
}

/* ---- runner --------------------------------------------------------- */

static void
test_run_ok_gets_arg(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 4096);
    script_write("echo-arg", "echo \"x{id=\\\"$1\\\"} 1\"", path, sizeof(path));
    r.pr_path = path;
    r.pr_arg = "c0ffee00-0000-4000-8000-000000000001";
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_STRING_EQUAL(r.pr_out, "x{id=\"c0ffee00-0000-4000-8000-000000000001\"} 1\n");
    CU_ASSERT_EQUAL(r.pr_len, strlen(r.pr_out));
    plugin_run_release(&r);
}

static void
test_run_exit_code(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 4096);
    script_write("fails", "echo half; exit 3", path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_EXIT);
    CU_ASSERT_EQUAL(r.pr_code, 3);
    CU_ASSERT_STRING_EQUAL(r.pr_out, "half\n");
    plugin_run_release(&r);
}

static void
test_run_signal(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 4096);
    script_write("suicide", "kill -SEGV $$", path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_SIGNAL);
    CU_ASSERT_EQUAL(r.pr_code, SIGSEGV);
    plugin_run_release(&r);
}

static void
test_run_missing(void)
{
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 4096);
    r.pr_path = "/nonexistent/cmon-plugin";
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_SPAWN);
    CU_ASSERT_EQUAL(r.pr_errno, ENOENT);
    CU_ASSERT_PTR_NOT_NULL(r.pr_out);
    plugin_run_release(&r);
}

/* A hanging plugin and the child it started are both killed at the deadline. */
static void
test_run_timeout_kills_group(void)
{
    char path[256], pidfile[256], body[512];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(300, 4096);
    FILE *f;
    int child = 0;
    snprintf(pidfile, sizeof(pidfile), "%s/hang.pid", tmpdir);
    snprintf(body, sizeof(body), "sleep 300 & echo $! > %s; echo started; wait", pidfile);
    script_write("hang", body, path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_TIMEOUT);
    CU_ASSERT_STRING_EQUAL(r.pr_out, "started\n");
    f = fopen(pidfile, "r");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(fscanf(f, "%d", &child), 1);
    fclose(f);
    /* The grandchild was in the plugin's group: give the kernel a moment. */
    for (int i = 0; i < 200 && child > 0 && kill(child, 0) == 0; i++)
        usleep(10000);
    CU_ASSERT(child > 0 && kill(child, 0) != 0);
    plugin_run_release(&r);
}

static void
test_run_flood_capped(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 10000);
    script_write("flood", "while :; do echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; done",
                 path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_TOOBIG);
    CU_ASSERT_EQUAL(r.pr_len, 10000);
    CU_ASSERT_EQUAL(strlen(r.pr_out), 10000);
    plugin_run_release(&r);
}

/* Exactly at the cap is fine; one byte over is not. */
static void
test_run_cap_boundary(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(20000, 100);
    script_write("hundred", "head -c 100 /dev/zero | tr '\\0' x", path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_EQUAL(r.pr_len, 100);
    plugin_run_release(&r);
    l.pl_output_max = 99;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_TOOBIG);
    plugin_run_release(&r);
}

/*
 * Two plugins that each wait for the other to have started can only both
 * succeed when they run at the same time; run one after the other, the
 * first would time out.
 */
static void
test_run_parallel(void)
{
    char a[256], b[256], body[512];
    plugin_run_t r[2] = {{0}};
    plugin_limits_t l = limits(30000, 4096);
    const char *fmt = "touch %s/%s.up; i=0; while [ ! -e %s/%s.up ]; do "
                      "i=$((i+1)); [ $i -gt 2000 ] && exit 1; sleep 0.01; done; echo %s 1";
    snprintf(body, sizeof(body), fmt, tmpdir, "pa", tmpdir, "pb", "pa");
    script_write("pa", body, a, sizeof(a));
    snprintf(body, sizeof(body), fmt, tmpdir, "pb", tmpdir, "pa", "pb");
    script_write("pb", body, b, sizeof(b));
    r[0].pr_path = a;
    r[1].pr_path = b;
    CU_ASSERT_EQUAL(plugin_run_all(r, 2, &l), 0);
    CU_ASSERT_EQUAL(r[0].pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_EQUAL(r[1].pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_STRING_EQUAL(r[0].pr_out, "pa 1\n");
    CU_ASSERT_STRING_EQUAL(r[1].pr_out, "pb 1\n");
    plugin_run_release(&r[0]);
    plugin_run_release(&r[1]);
}

/* A plugin that closes stdout but keeps running is still timed out. */
static void
test_run_closed_stdout_keeps_running(void)
{
    char path[256];
    plugin_run_t r = {0};
    plugin_limits_t l = limits(300, 4096);
    script_write("closer", "echo early; exec >&-; sleep 300", path, sizeof(path));
    r.pr_path = path;
    CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
    CU_ASSERT_EQUAL(r.pr_status, PLUGIN_RUN_TIMEOUT);
    CU_ASSERT_STRING_EQUAL(r.pr_out, "early\n");
    plugin_run_release(&r);
}

/* No zombie is left behind by a batch of every kind of outcome. */
static void
test_run_reaps_everything(void)
{
    char p1[256], p2[256], p3[256];
    plugin_run_t r[3] = {{0}};
    plugin_limits_t l = limits(300, 64);
    script_write("z1", "echo ok", p1, sizeof(p1));
    script_write("z2", "sleep 300", p2, sizeof(p2));
    script_write("z3", "yes", p3, sizeof(p3));
    r[0].pr_path = p1;
    r[1].pr_path = p2;
    r[2].pr_path = p3;
    CU_ASSERT_EQUAL(plugin_run_all(r, 3, &l), 0);
    CU_ASSERT_EQUAL(r[0].pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_EQUAL(r[1].pr_status, PLUGIN_RUN_TIMEOUT);
    CU_ASSERT_EQUAL(r[2].pr_status, PLUGIN_RUN_TOOBIG);
    CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
    CU_ASSERT_EQUAL(errno, ECHILD);
    for (int i = 0; i < 3; i++)
        plugin_run_release(&r[i]);
}

/* Reads the pid a script wrote into tmpdir/name; 0 when none. */
static pid_t
pid_in_file(const char *name)
{
    char path[256];
    int pid = 0;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* A plugin that starts a daemon in a session of its own (out of its process
 * group's reach) leaves nothing once the batch is done: the runner, in a
 * child subreaper as the agent is, kills and reaps it (issue 15, item 4).
 * Once with the daemon holding the plugin's stdout (the plugin times out),
 * once with its output elsewhere (the plugin ends at once). */
static void
test_run_setsid_orphan_reaped(void)
{
    char path[256], body[512];
    plugin_limits_t l = limits(500, 4096);
    CU_ASSERT_EQUAL_FATAL(reaper_become(), 0);
    for (int held = 0; held < 2; held++) {
        plugin_run_t r = {0};
        snprintf(body, sizeof(body), "setsid sleep 1000 %s &\necho $! > %s/orphan.pid\necho x 1",
                 held ? "" : ">/dev/null 2>&1", tmpdir);
        script_write("orphan", body, path, sizeof(path));
        r.pr_path = path;
        CU_ASSERT_EQUAL(plugin_run_all(&r, 1, &l), 0);
        CU_ASSERT_EQUAL(r.pr_status, held ? PLUGIN_RUN_TIMEOUT : PLUGIN_RUN_OK);
        pid_t orphan = pid_in_file("orphan.pid");
        CU_ASSERT(orphan > 0);
        /* gone and reaped: not even a zombie of ours is left */
        CU_ASSERT(orphan > 0 && kill(orphan, 0) != 0 && errno == ESRCH);
        if (orphan > 0 && kill(orphan, 0) == 0)
            kill(orphan, SIGKILL); /* today's: do not leave it running */
        CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
        plugin_run_release(&r);
    }
}

/* Each run its own deadline: the short one is killed, the long one finishes. */
static void
test_run_own_timeouts(void)
{
    char slow[256], quick[256];
    plugin_run_t r[2] = {{0}, {0}};
    plugin_limits_t l = limits(20000, 4096);
    script_write("slow1", "sleep 0.5; echo done", slow, sizeof(slow));
    script_write("short1", "sleep 0.5; echo done", quick, sizeof(quick));
    r[0].pr_path = slow;
    r[1].pr_path = quick;
    r[1].pr_timeout_ms = 100;
    CU_ASSERT_EQUAL(plugin_run_all(r, 2, &l), 0);
    CU_ASSERT_EQUAL(r[0].pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_STRING_EQUAL(r[0].pr_out, "done\n");
    CU_ASSERT_EQUAL(r[1].pr_status, PLUGIN_RUN_TIMEOUT);
    CU_ASSERT(r[1].pr_seconds < 0.45);
    plugin_run_release(&r[0]);
    plugin_run_release(&r[1]);
}

/* A run marked busy (the concurrency limit) is not started; the others are. */
static void
test_run_busy(void)
{
    char path[256], marker[256], body[512];
    plugin_run_t r[2] = {{0}, {0}};
    plugin_limits_t l = limits(20000, 4096);
    snprintf(marker, sizeof(marker), "%s/busy.ran", tmpdir);
    snprintf(body, sizeof(body), "touch %s; echo ok", marker);
    script_write("busy", body, path, sizeof(path));
    r[0].pr_path = path;
    r[0].pr_status = PLUGIN_RUN_BUSY;
    r[1].pr_path = "/bin/true";
    CU_ASSERT_EQUAL(plugin_run_all(r, 2, &l), 0);
    CU_ASSERT_EQUAL(r[0].pr_status, PLUGIN_RUN_BUSY);
    CU_ASSERT_EQUAL(access(marker, F_OK), -1);
    CU_ASSERT_EQUAL(r[1].pr_status, PLUGIN_RUN_OK);
    CU_ASSERT_STRING_EQUAL(plugin_run_status_name(PLUGIN_RUN_BUSY), "busy");
    plugin_run_release(&r[0]);
    plugin_run_release(&r[1]);
}

/* ---- directories (reference 4.1; D13b, D13c, D13d, D13f) ------------ */

/* Creates file name in dir with mode; returns its path in a static buffer. */
static const char *
file_make(const char *dir, const char *name, mode_t mode, const char *text)
{
    static char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

static const plugin_entry_t *
entry_named(const plugin_listing_t *l, const char *file)
{
    for (size_t i = 0; i < l->pl_n; i++)
        if (strcmp(l->pl_entries[i].pe_file, file) == 0)
            return &l->pl_entries[i];
    return NULL;
}

static const plugin_defaults_t defaults = {3000, 60};

static void
test_dir_modes(void)
{
    char dir[256], err[512], sub[300];
    plugin_listing_t l;
    snprintf(dir, sizeof(dir), "%s/trust", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), 0);

    chmod(dir, 0775);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(errno, EPERM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "writable by group or others"));
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL(l.pl_state, PLUGIN_DIR_BAD);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_why, "writable by group or others"));
    plugin_listing_free(&l);
    chmod(dir, 0757);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    chmod(dir, 0755);

    file_make(dir, "b-good.sh", 0755, "#!/bin/sh\n");
    file_make(dir, "a_open", 0775, "#!/bin/sh\n");  /* group-writable: refused, listed */
    file_make(dir, "c_data", 0644, "");             /* not executable: no plugin */
    file_make(dir, ".hidden", 0755, "#!/bin/sh\n"); /* dot-file: no plugin (D13c) */
    file_make(dir, "plugin.json", 0755, "{}");      /* the configuration, never a plugin */
    snprintf(sub, sizeof(sub), "%s/subdir", dir);   /* a directory: no plugin (D13c) */
    CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL_FATAL(l.pl_state, PLUGIN_DIR_OK);
    CU_ASSERT_EQUAL_FATAL(l.pl_n, 2);
    CU_ASSERT_STRING_EQUAL(l.pl_entries[0].pe_file, "a_open"); /* byte order */
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[0].pe_why, "writable by group or others"));
    CU_ASSERT_STRING_EQUAL(l.pl_entries[1].pe_file, "b-good.sh");
    /* "b-good" cannot be part of a metric name: listed, refused */
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[1].pe_why, "metric name"));
    CU_ASSERT_EQUAL(l.pl_entries[1].pe_timeout_ms, 3000);
    CU_ASSERT_EQUAL(l.pl_entries[1].pe_ttl, 60);
    plugin_listing_free(&l);
}

/* Only root can give a file away; elsewhere the case cannot be built. */
static void
test_dir_owner(void)
{
    char dir[256], err[512];
    plugin_listing_t l;
    if (geteuid() != 0)
        return;
    snprintf(dir, sizeof(dir), "%s/owner", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    /* A plugin of another user is refused (D13c: the original ran it). */
    const char *path = file_make(dir, "theirs", 0755, "#!/bin/sh\n");
    CU_ASSERT_FATAL(chown(path, 65534, (gid_t)-1) == 0);
    file_make(dir, "mine", 0755, "#!/bin/sh\n");
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL_FATAL(l.pl_n, 2);
    CU_ASSERT_STRING_EQUAL(entry_named(&l, "mine")->pe_why, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(entry_named(&l, "theirs")->pe_why, "not owned"));
    plugin_listing_free(&l);
    /* A directory of another user: no plugin of it (D13d: the original aborted). */
    CU_ASSERT_FATAL(chown(dir, 65534, (gid_t)-1) == 0);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not owned"));
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL(l.pl_state, PLUGIN_DIR_BAD);
    CU_ASSERT_EQUAL(l.pl_n, 0);
    plugin_listing_free(&l);
}

/* D13d: a plugin directory that is a file is a state, not an abort. */
static void
test_dir_is_file(void)
{
    plugin_listing_t l;
    const char *path = file_make(tmpdir, "vm-plugins-file", 0755, "#!/bin/sh\n");
    plugin_dir_load(path, &defaults, &l);
    CU_ASSERT_EQUAL(l.pl_state, PLUGIN_DIR_BAD);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_why, "not a directory"));
    CU_ASSERT_EQUAL(l.pl_n, 0);
    plugin_listing_free(&l);
}

static void
test_dir_missing(void)
{
    char err[512];
    plugin_listing_t l;
    CU_ASSERT_EQUAL(plugin_dir_check("/nonexistent/plugins", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    plugin_dir_load("/nonexistent/plugins", &defaults, &l);
    CU_ASSERT_EQUAL(l.pl_state, PLUGIN_DIR_NONE); /* no plugins, no meta block */
    CU_ASSERT_EQUAL(l.pl_n, 0);
    plugin_listing_free(&l);
}

/* Reference 4.1's examples, and what cannot be a metric name. */
static void
test_name_from_file(void)
{
    char name[PLUGIN_NAME_MAX];
    CU_ASSERT_EQUAL(plugin_name_from_file("foo.sh", name), 0);
    CU_ASSERT_STRING_EQUAL(name, "foo");
    CU_ASSERT_EQUAL(plugin_name_from_file("foo.prom", name), 0);
    CU_ASSERT_STRING_EQUAL(name, "foo");
    CU_ASSERT_EQUAL(plugin_name_from_file("plugin0", name), 0);
    CU_ASSERT_STRING_EQUAL(name, "plugin0");
    CU_ASSERT_EQUAL(plugin_name_from_file("9lives.sh", name), 0); /* plugin_9lives_ is valid */
    CU_ASSERT_STRING_EQUAL(name, "9lives");
    CU_ASSERT_EQUAL(plugin_name_from_file("a.b.sh", name), -1); /* "a.b": plugin_a.b_x is none */
    CU_ASSERT_EQUAL(plugin_name_from_file(".hidden", name), -1);
    CU_ASSERT_EQUAL(plugin_name_from_file("disk-usage.sh", name), -1);
}

/* D13b: format B is the ".prom" extension, not "prom" anywhere in the path. */
static void
test_prom_extension(void)
{
    CU_ASSERT_EQUAL(plugin_file_is_prom("disk.prom"), 1);
    CU_ASSERT_EQUAL(plugin_file_is_prom("prometheus_exporter.sh"), 0);
    CU_ASSERT_EQUAL(plugin_file_is_prom("promise"), 0);
    CU_ASSERT_EQUAL(plugin_file_is_prom("xprom"), 0);
    CU_ASSERT_EQUAL(plugin_file_is_prom("disk.prom.sh"), 0);
    CU_ASSERT_EQUAL(plugin_file_is_prom(".prom"), 0);
}

/* D13f: two files of one plugin name refuse each other; one block. */
static void
test_dir_same_name(void)
{
    char dir[256];
    plugin_listing_t l;
    snprintf(dir, sizeof(dir), "%s/twins", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    file_make(dir, "disk.prom", 0755, "#!/bin/sh\n");
    file_make(dir, "disk.sh", 0755, "#!/bin/sh\n");
    file_make(dir, "net.sh", 0755, "#!/bin/sh\n");
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL_FATAL(l.pl_n, 3);
    CU_ASSERT_EQUAL(entry_named(&l, "disk.prom")->pe_prom, 1);
    CU_ASSERT_EQUAL(entry_named(&l, "disk.prom")->pe_shadow, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(entry_named(&l, "disk.prom")->pe_why, "both plugin disk"));
    CU_ASSERT_EQUAL(entry_named(&l, "disk.sh")->pe_shadow, 1);
    CU_ASSERT_STRING_EQUAL(entry_named(&l, "net.sh")->pe_why, "");
    CU_ASSERT_EQUAL(entry_named(&l, "net.sh")->pe_prom, 0);
    plugin_listing_free(&l);
}

/* ---- plugin.json (reference 4.2; D13d, D13e) ------------------------- */

/* Three entries a.sh, b.sh, c.sh with the defaults, then text applied. */
static int
conf(const char *text, plugin_entry_t e[3])
{
    static const char *const files[] = {"a.sh", "b.sh", "c.sh"};
    memset(e, 0, 3 * sizeof(*e));
    for (int i = 0; i < 3; i++) {
        e[i].pe_file = (char *)files[i];
        e[i].pe_timeout_ms = 3000;
        e[i].pe_ttl = 60;
    }
    return plugin_conf_apply(text, strlen(text), e, 3);
}

static void
conf_release(plugin_entry_t e[3])
{
    for (int i = 0; i < 3; i++) {
        for (size_t v = 0; v < e[i].pe_nvms; v++)
            free(e[i].pe_vms[v]);
        free(e[i].pe_vms);
    }
}

static void
test_conf_good(void)
{
    plugin_entry_t e[3];
    CU_ASSERT_EQUAL_FATAL(conf("{\"a.sh\": {\"timeout\": 1000, \"ttl\": 5, \"vms\": "
                               "[\"c0ffee00-0000-4000-8000-000000000001\", \"global\"]},"
                               " \"b.sh\": {\"ttl\": 0, \"timeout\": 0, \"other\": true},"
                               " \"zz.sh\": {\"ttl\": 1.5}}",
                               e),
                          0);
    CU_ASSERT_EQUAL(e[0].pe_timeout_ms, 1000);
    CU_ASSERT_EQUAL(e[0].pe_ttl, 5);
    CU_ASSERT_EQUAL_FATAL(e[0].pe_nvms, 2);
    CU_ASSERT_EQUAL(plugin_entry_allows(&e[0], "global"), 1);
    CU_ASSERT_EQUAL(plugin_entry_allows(&e[0], "c0ffee00-0000-4000-8000-000000000001"), 1);
    CU_ASSERT_EQUAL(plugin_entry_allows(&e[0], "c0ffee00-0000-4000-8000-000000000002"), 0);
    CU_ASSERT_STRING_EQUAL(e[0].pe_why, "");
    CU_ASSERT_EQUAL(e[1].pe_ttl, 0);                            /* not kept */
    CU_ASSERT_EQUAL(e[1].pe_timeout_ms, PLUGIN_TIMEOUT_MS_MAX); /* "none": still bounded */
    CU_ASSERT_STRING_EQUAL(e[1].pe_why, "");
    CU_ASSERT_EQUAL(plugin_entry_allows(&e[1], "anything"), 1); /* no vms: every zone */
    CU_ASSERT_EQUAL(e[2].pe_ttl, 60);                           /* not in the file: defaults */
    CU_ASSERT_STRING_EQUAL(e[2].pe_why, "");                    /* zz.sh's ttl is nobody's */
    conf_release(e);
    /* 5.0 is a whole number (JavaScript has no other) */
    CU_ASSERT_EQUAL(conf("{\"a.sh\": {\"ttl\": 5.0}}", e), 0);
    CU_ASSERT_EQUAL(e[0].pe_ttl, 5);
    CU_ASSERT_STRING_EQUAL(e[0].pe_why, "");
    conf_release(e);
}

/* Malformed JSON, or not an object: no plugin of the directory runs. */
static void
test_conf_malformed(void)
{
    static const char *const bad[] = {"{\"a.sh\": {\"ttl\": 5}", "[1, 2]", "", "nul",
                                      "{\"a.sh\": 1, \"a.sh\": 2}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plugin_entry_t e[3];
        CU_ASSERT_EQUAL(conf(bad[i], e), -1);
        for (int k = 0; k < 3; k++)
            CU_ASSERT_EQUAL(strncmp(e[k].pe_why, "plugin.json: ", 13), 0);
        conf_release(e);
    }
}

/* A wrongly typed field refuses that plugin only (D13e: the original aborted). */
static void
test_conf_bad_fields(void)
{
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"{\"a.sh\": {\"ttl\": 1.5}}", "\"ttl\" of a.sh is not a whole number"},
        {"{\"a.sh\": {\"ttl\": \"5\"}}", "\"ttl\" of a.sh is not a whole number"},
        {"{\"a.sh\": {\"timeout\": \"1s\"}}", "\"timeout\" of a.sh"},
        {"{\"a.sh\": {\"timeout\": -1}}", "\"timeout\" of a.sh"},
        {"{\"a.sh\": {\"timeout\": 2.5}}", "\"timeout\" of a.sh"},
        {"{\"a.sh\": {\"vms\": \"c0ffee00-0000-4000-8000-000000000001\"}}",
         "\"vms\" of a.sh is not an array"},
        {"{\"a.sh\": {\"vms\": [1]}}", "\"vms\" of a.sh holds something else"},
        {"{\"a.sh\": 7}", "the entry of a.sh is not an object"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plugin_entry_t e[3];
        CU_ASSERT_EQUAL(conf(bad[i].text, e), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(e[0].pe_why, bad[i].why));
        if (strstr(e[0].pe_why, bad[i].why) == NULL)
            fprintf(stderr, "%s: %s\n", bad[i].text, e[0].pe_why);
        CU_ASSERT_STRING_EQUAL(e[1].pe_why, ""); /* the others still run */
        CU_ASSERT_STRING_EQUAL(e[2].pe_why, "");
        conf_release(e);
    }
}

/* plugin.json read from the directory: a malformed one refuses every plugin there. */
static void
test_conf_in_dir(void)
{
    char dir[256];
    plugin_listing_t l;
    snprintf(dir, sizeof(dir), "%s/conf", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    file_make(dir, "a.sh", 0755, "#!/bin/sh\n");
    file_make(dir, "b.prom", 0755, "#!/bin/sh\n");
    file_make(dir, "plugin.json", 0644, "{\"a.sh\": {\"ttl\": 7, \"timeout\": 250}}");
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL_FATAL(l.pl_n, 2);
    CU_ASSERT_EQUAL(entry_named(&l, "a.sh")->pe_ttl, 7);
    CU_ASSERT_EQUAL(entry_named(&l, "a.sh")->pe_timeout_ms, 250);
    CU_ASSERT_EQUAL(entry_named(&l, "b.prom")->pe_ttl, 60);
    plugin_listing_free(&l);
    file_make(dir, "plugin.json", 0644, "{\"a.sh\": {\"ttl\": 7,}");
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_EQUAL(l.pl_state, PLUGIN_DIR_OK);
    CU_ASSERT_EQUAL_FATAL(l.pl_n, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[0].pe_why, "plugin.json: line 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[1].pe_why, "plugin.json: line 1"));
    plugin_listing_free(&l);
    file_make(dir, "plugin.json", 0666, "{}"); /* writable by others: not trusted */
    plugin_dir_load(dir, &defaults, &l);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[0].pe_why, "writable by group or others"));
    plugin_listing_free(&l);
    /* a FIFO: opening it must not wait for a writer (the listing would never end) */
    char fifo[300];
    snprintf(fifo, sizeof(fifo), "%s/plugin.json", dir);
    CU_ASSERT_FATAL(unlink(fifo) == 0 && mkfifo(fifo, 0644) == 0);
    alarm(10); /* a hang kills the test rather than blocking ctest */
    plugin_dir_load(dir, &defaults, &l);
    alarm(0);
    CU_ASSERT_PTR_NOT_NULL(strstr(l.pl_entries[0].pe_why, "plugin.json: not a regular file"));
    plugin_listing_free(&l);
}

/* ---- output, format A (reference 4.4; D13e, D13g) -------------------- */

static int
parse(const char *plugin, int prom, const char *text, plugin_output_t *out, char *err)
{
    return plugin_output_parse(plugin, prom, text, strlen(text), out, err, 128);
}

/* Reference 4.6's example: plugin "meaning" printing life<TAB>gauge<TAB>42<TAB>help. */
static void
test_format_a_example(void)
{
    plugin_output_t o;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(
        parse("meaning", 0, "life\tgauge\t42\tThe answer to life, the universe and everything\n",
              &o, err),
        0);
    CU_ASSERT_EQUAL_FATAL(o.po_nfamilies, 1);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_name, "plugin_meaning_life");
    CU_ASSERT_EQUAL(o.po_families[0].pf_type, PLUGIN_TYPE_GAUGE);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_help,
                           "The answer to life, the universe and everything");
    CU_ASSERT_EQUAL_FATAL(o.po_nsamples, 1);
    CU_ASSERT_DOUBLE_EQUAL(o.po_samples[0].ps_value, 42, 0);
    CU_ASSERT_PTR_NULL(o.po_samples[0].ps_labels);
    CU_ASSERT_EQUAL(o.po_has_ttl, 0);
    plugin_output_release(&o);
}

static void
test_format_a_rules(void)
{
    plugin_output_t o;
    char err[128];
    const char *t = "  ttl\toption\t30\n" /* trimmed; sets the TTL */
                    "\n"
                    "req{code=\"200\", path=\"/a\"}\tcounter\t5\n" /* help: the raw name field */
                    "req{code=\"500\",path=\"/a\"}\tcounter\t1e3\tRequests\n"
                    "color\toption\tblue\n" /* other options: ignored */
                    "temp\tgauge\t-3.5\t\n" /* trailing tab trimmed away */
                    "up\tgauge\t+Inf\n"
                    "1m_load\tgauge\tNaN\n";
    CU_ASSERT_EQUAL_FATAL(parse("web", 0, t, &o, err), 0);
    CU_ASSERT_EQUAL(o.po_has_ttl, 1);
    CU_ASSERT_EQUAL(o.po_ttl, 30);
    CU_ASSERT_EQUAL_FATAL(o.po_nfamilies, 4);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_name, "plugin_web_req");
    CU_ASSERT_EQUAL(o.po_families[0].pf_type, PLUGIN_TYPE_COUNTER);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_help, "req{code=\"200\", path=\"/a\"}");
    CU_ASSERT_STRING_EQUAL(o.po_families[1].pf_name, "plugin_web_temp");
    CU_ASSERT_STRING_EQUAL(o.po_families[3].pf_name, "plugin_web_1m_load");
    CU_ASSERT_EQUAL_FATAL(o.po_nsamples, 5);
    CU_ASSERT_STRING_EQUAL(o.po_samples[0].ps_labels, "code=\"200\",path=\"/a\"");
    CU_ASSERT_EQUAL(o.po_samples[1].ps_family, 0);
    CU_ASSERT_DOUBLE_EQUAL(o.po_samples[1].ps_value, 1000, 0);
    CU_ASSERT_DOUBLE_EQUAL(o.po_samples[2].ps_value, -3.5, 0);
    CU_ASSERT(isinf(o.po_samples[3].ps_value));
    CU_ASSERT(isnan(o.po_samples[4].ps_value));
    plugin_output_release(&o);
}

static void
test_format_a_bad(void)
{
    static const char *const bad[] = {
        "life\tgauge\n",                           /* 2 fields */
        "life\tgauge\t1\thelp\textra\n",           /* 5 fields */
        "life 42\n",                               /* no tabs */
        "life\tsummary\t1\n",                      /* type */
        "life\tuntyped\t1\n", "li-fe\tgauge\t1\n", /* name */
        "life\tgauge\t0x10\n",                     /* D13g: Number() took these */
        "life\tgauge\tInfinity\n", "life\tgauge\t1 2\n",
        "life\tgauge\t\t\n",                            /* empty value (trimmed to 2 fields) */
        "life\tgauge\t\thelp\n",                        /* empty value */
        "ttl\toption\t1.5\n",                           /* D13e: a non-integer TTL */
        "ttl\toption\tsoon\n", "life{a=1}\tgauge\t1\n", /* labels */
        "life{a=\"1\"\tgauge\t1\n", "life{__x=\"1\"}\tgauge\t1\n",
        "life{a=\"1\",a=\"2\"}\tgauge\t1\n",
        "life\tgauge\t1\nlife\tgauge\t2\n",            /* the same series twice */
        "life\tgauge\t1\nlife{a=\"1\"}\tcounter\t2\n", /* two types */
        "life\tgauge\t1\x01\n",
        /* a repeated label name of 65 bytes (only shorter ones were remembered) */
        "life{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"1\","
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"2\"}\tgauge\t1\n",
        "life{a=\"1\",b=\"2\",a=\"3\"}\tgauge\t1\n",
        "life{a=\"\xff\"}\tgauge\t1\n",         /* not UTF-8: Prometheus refuses the answer */
        "life{a=\"\xc0\xaf\"}\tgauge\t1\n",     /* overlong / */
        "life{a=\"\xed\xa0\x80\"}\tgauge\t1\n", /* a surrogate */
        "life{a=\"\xe2\x82\"}\tgauge\t1\n",     /* cut short */
        "life\tgauge\t1\tbad \xfe help\n",      /* HELP not UTF-8 */
        "life{a=\"1\",b=\"1\",c=\"1\",d=\"1\",e=\"1\",f=\"1\",g=\"1\",h=\"1\",i=\"1\",j=\"1\","
        "k=\"1\"}\tgauge\t1\n", /* 11 labels */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plugin_output_t o;
        char err[128] = "";
        int rc = parse("p", 0, bad[i], &o, err);
        CU_ASSERT_EQUAL(rc, -1);
        if (rc != -1)
            fprintf(stderr, "format A accepted: %s", bad[i]);
        CU_ASSERT_EQUAL(strncmp(err, "line ", 5), 0);
        CU_ASSERT_EQUAL(o.po_nfamilies, 0);
        CU_ASSERT_PTR_NULL(o.po_families);
    }
}

/* ---- output, format B (reference 4.5; D13a) --------------------------- */

static void
test_format_b(void)
{
    plugin_output_t o;
    char err[128];
    const char *t = "# OPTION ttl 30\n"
                    "# HELP disk_used_bytes Bytes used, a \\\\ and a \\n.\n"
                    "# TYPE disk_used_bytes gauge\n"
                    "disk_used_bytes{fs=\"/\"} 12\n"
                    "disk_used_bytes{fs=\"/var\"} 1e3\n"
                    "\n"
                    "# TYPE writes counter\n"
                    "plugin_disk_writes 7\n" /* already prefixed: the same family */
                    "# HELP lat Latency.\n"
                    "# TYPE lat histogram\n"
                    "lat_bucket{le=\"0.1\"} 1\n"
                    "lat_bucket{le=\"+Inf\"} 2\n"
                    "lat_sum 0.3\n"
                    "lat_count 2\n";
    CU_ASSERT_EQUAL_FATAL(parse("disk", 1, t, &o, err), 0);
    CU_ASSERT_EQUAL(o.po_has_ttl, 1);
    CU_ASSERT_EQUAL(o.po_ttl, 30);
    CU_ASSERT_EQUAL_FATAL(o.po_nfamilies, 3);
    /* D13a: the family and its samples are both plugin_disk_... */
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_name, "plugin_disk_disk_used_bytes");
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_help, "Bytes used, a \\ and a \n.");
    CU_ASSERT_STRING_EQUAL(o.po_families[1].pf_name, "plugin_disk_writes");
    CU_ASSERT_STRING_EQUAL(o.po_families[1].pf_help, "writes"); /* no HELP: the name */
    CU_ASSERT_EQUAL(o.po_families[1].pf_type, PLUGIN_TYPE_COUNTER);
    CU_ASSERT_STRING_EQUAL(o.po_families[2].pf_name, "plugin_disk_lat");
    CU_ASSERT_EQUAL(o.po_families[2].pf_type, PLUGIN_TYPE_HISTOGRAM);
    CU_ASSERT_EQUAL_FATAL(o.po_nsamples, 7);
    CU_ASSERT_EQUAL(o.po_samples[0].ps_family, 0);
    CU_ASSERT_STRING_EQUAL(o.po_samples[1].ps_labels, "fs=\"/var\"");
    CU_ASSERT_EQUAL(o.po_samples[2].ps_family, 1);
    CU_ASSERT_EQUAL(o.po_samples[3].ps_part, PLUGIN_PART_BUCKET);
    CU_ASSERT_STRING_EQUAL(o.po_samples[4].ps_labels, "le=\"+Inf\"");
    CU_ASSERT_EQUAL(o.po_samples[5].ps_part, PLUGIN_PART_SUM);
    CU_ASSERT_EQUAL(o.po_samples[6].ps_part, PLUGIN_PART_COUNT);
    plugin_output_release(&o);
}

static void
test_format_b_bad(void)
{
    static const char *const bad[] = {
        "# OPTION color blue\n", /* only ttl */
        "# OPTION ttl 1.5\n",    /* D13e */
        "# OPTION ttl\n",
        "# TYPE a gauge\na 1\n# OPTION ttl 5\n", /* options come first */
        "a 1\n",                                 /* no # TYPE */
        "# HELP a A.\na 1\n",
        "# TYPE a summary\na 1\n",
        "# TYPE a untyped\na 1\n",
        "# TYPE a gauge\nb 1\n", /* not of the family */
        "# TYPE a gauge\nplugin_other_a 1\n",
        "# TYPE a gauge\na 1 1700000000000\n", /* timestamps */
        "# TYPE a gauge\na 0x10\n",
        "# TYPE a gauge\na\n",
        "# TYPE a gauge\na 1\na 2\n",
        "# TYPE a gauge\n# TYPE b gauge\nb 1\n",
        "# TYPE a gauge\na 1\n# TYPE a counter\na{x=\"1\"} 1\n",
        "# TYPE h histogram\nh_bucket 1\n", /* a bucket without le */
        "# TYPE h histogram\nh_sum{le=\"1\"} 1\n",
        "# TYPE h histogram\nh 1\n",
        "# TYPE a-b gauge\n",
        "# TYPE a gauge\na{a=\"1\"\n",
        "# TYPE a "
        "gauge\na{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"1\","
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\"2\"} 1\n",
        "# TYPE a gauge\na{x=\"caf\xe9\"} 1\n", /* Latin-1, not UTF-8 */
        "# HELP a caf\xe9\n# TYPE a gauge\na 1\n",
        "# TYPE a gauge\n# HELP a \xf5\x80\x80\x80\na 1\n", /* past U+10FFFF, HELP after TYPE */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plugin_output_t o;
        char err[128] = "";
        int rc = parse("p", 1, bad[i], &o, err);
        CU_ASSERT_EQUAL(rc, -1);
        if (rc != -1)
            fprintf(stderr, "format B accepted: %s", bad[i]);
        CU_ASSERT_EQUAL(strncmp(err, "line ", 5), 0);
        CU_ASSERT_EQUAL(o.po_nfamilies, 0);
    }
}

/* UTF-8 label values and HELP text pass: 2, 3 and 4-byte characters. */
static void
test_output_utf8(void)
{
    plugin_output_t o;
    char err[128] = "";
    CU_ASSERT_EQUAL_FATAL(parse("p", 0,
                                "t{city=\"K\xc3\xb6ln \xe2\x82\xac \xf0\x9f\x98\x80\"}\tgauge\t1\t"
                                "\xc3\xa9t\xc3\xa9\n",
                                &o, err),
                          0);
    CU_ASSERT_STRING_EQUAL(o.po_samples[0].ps_labels,
                           "city=\"K\xc3\xb6ln \xe2\x82\xac \xf0\x9f\x98\x80\"");
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_help, "\xc3\xa9t\xc3\xa9");
    plugin_output_release(&o);
    CU_ASSERT_EQUAL(parse("p", 1, "# HELP t \xf4\x8f\xbf\xbf\n# TYPE t gauge\nt 1\n", &o, err), 0);
    plugin_output_release(&o);
}

static void
test_output_nul_byte(void)
{
    plugin_output_t o;
    char err[128];
    CU_ASSERT_EQUAL(plugin_output_parse("p", 0, "m\tgauge\t1\n\0", 12, &o, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(plugin_output_parse("p", 1, "m 1\n\0m2 2\n", 10, &o, err, sizeof(err)), -1);
}

static void
test_output_empty(void)
{
    plugin_output_t o;
    char err[128];
    CU_ASSERT_EQUAL(parse("p", 0, "", &o, err), 0);
    CU_ASSERT_EQUAL(o.po_nfamilies, 0);
    CU_ASSERT_EQUAL(o.po_has_ttl, 0);
    plugin_output_release(&o);
    CU_ASSERT_EQUAL(parse("p", 1, "\n\n", &o, err), 0);
    CU_ASSERT_EQUAL(o.po_nsamples, 0);
    plugin_output_release(&o);
}

static const CU_TestInfo tests[] = {
    {"run ok, gets the uuid", test_run_ok_gets_arg},
    {"run exit code", test_run_exit_code},
    {"run killed by signal", test_run_signal},
    {"run missing executable", test_run_missing},
    {"run timeout kills the group", test_run_timeout_kills_group},
    {"run flood capped", test_run_flood_capped},
    {"run cap boundary", test_run_cap_boundary},
    {"run in parallel", test_run_parallel},
    {"run closed stdout keeps running", test_run_closed_stdout_keeps_running},
    {"run reaps everything", test_run_reaps_everything},
    {"run own timeouts", test_run_own_timeouts},
    {"run busy left alone", test_run_busy},
    {"run setsid orphan reaped", test_run_setsid_orphan_reaped},
    {"dir modes, dot-files, subdirectories", test_dir_modes},
    {"dir owner", test_dir_owner},
    {"dir is a file", test_dir_is_file},
    {"dir missing", test_dir_missing},
    {"name from file", test_name_from_file},
    {"prom extension", test_prom_extension},
    {"two files of one name", test_dir_same_name},
    {"plugin.json good", test_conf_good},
    {"plugin.json malformed", test_conf_malformed},
    {"plugin.json bad fields", test_conf_bad_fields},
    {"plugin.json in a directory", test_conf_in_dir},
    {"format A, the reference's example", test_format_a_example},
    {"format A rules", test_format_a_rules},
    {"format A bad", test_format_a_bad},
    {"format B", test_format_b},
    {"format B bad", test_format_b_bad},
    {"output NUL byte", test_output_nul_byte},
    {"output UTF-8 label values and HELP", test_output_utf8},
    {"output empty", test_output_empty},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    const cunit_suite_t suites[] = {{"plugin", suite_init, suite_clean, tests},
                                    {NULL, NULL, NULL, NULL}};

    return cunit_main_suites(argc, argv, suites);
}
