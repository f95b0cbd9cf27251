/*
 * test_plugin.c - the plugin layers: trust rules, the parallel runner with
 * its deadline and output cap, and the output parser.
 */
#include "plugin.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit_main.h"

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

/* ---- trust ---------------------------------------------------------- */

static void
test_dir_modes(void)
{
    char dir[256], err[512], path[512];
    char **paths;
    size_t n;
    snprintf(dir, sizeof(dir), "%s/trust", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), 0);

    chmod(dir, 0775);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(errno, EPERM);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "writable by group or others"));
    CU_ASSERT_EQUAL(plugin_dir_list(dir, &paths, &n), -1);
    chmod(dir, 0757);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    chmod(dir, 0755);

    /* Files: a good one, a group-writable one, a non-executable one. */
    snprintf(path, sizeof(path), "%s/b-good", dir);
    fclose(fopen(path, "w"));
    chmod(path, 0755);
    snprintf(path, sizeof(path), "%s/a-open", dir);
    fclose(fopen(path, "w"));
    chmod(path, 0775);
    snprintf(path, sizeof(path), "%s/c-data", dir);
    fclose(fopen(path, "w"));
    chmod(path, 0644);
    CU_ASSERT_EQUAL(plugin_dir_list(dir, &paths, &n), 0);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(paths[0], "/b-good"));
    CU_ASSERT_PTR_NULL(paths[1]);
    plugin_dir_list_free(paths);
}

/* Only root can give a directory away; elsewhere the case cannot be built. */
static void
test_dir_owner(void)
{
    char dir[256], err[512];
    if (geteuid() != 0)
        return;
    snprintf(dir, sizeof(dir), "%s/foreign", tmpdir);
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0);
    CU_ASSERT_FATAL(chown(dir, 65534, (gid_t)-1) == 0);
    CU_ASSERT_EQUAL(plugin_dir_check(dir, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not owned"));
}

static void
test_dir_missing(void)
{
    char err[512], **paths;
    size_t n;
    CU_ASSERT_EQUAL(plugin_dir_check("/nonexistent/plugins", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(plugin_dir_list("/nonexistent/plugins", &paths, &n), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_PTR_NULL(paths);
}

static void
test_name_from_path(void)
{
    char name[PLUGIN_NAME_MAX];
    plugin_name_from_path("/opt/plugins/vm/disk-usage.sh", name);
    CU_ASSERT_STRING_EQUAL(name, "disk_usage_sh");
    plugin_name_from_path("9lives", name);
    CU_ASSERT_STRING_EQUAL(name, "_9lives");
}

/* ---- output --------------------------------------------------------- */

static int
parse(const char *text, plugin_output_t *out, char *err)
{
    return plugin_output_parse(text, strlen(text), out, err, 128);
}

static void
test_output_good(void)
{
    plugin_output_t o;
    char err[128];
    const char *t = "# TTL 30\n"
                    "# HELP app_requests_total Requests served, with a \\\\ and \\n.\n"
                    "# TYPE app_requests_total counter\n"
                    "app_requests_total{code=\"200\"} 12\n"
                    "app_requests_total{code=\"500\",path=\"a\\\"b\"} 1e3\n"
                    "# a comment\n"
                    "\n"
                    "app_temp -3.5\n"
                    "app_nan NaN\n";
    CU_ASSERT_EQUAL_FATAL(parse(t, &o, err), 0);
    CU_ASSERT_EQUAL(o.po_ttl, 30);
    CU_ASSERT_EQUAL_FATAL(o.po_nfamilies, 3);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_name, "app_requests_total");
    CU_ASSERT_EQUAL(o.po_families[0].pf_type, PLUGIN_TYPE_COUNTER);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_help, "Requests served, with a \\\\ and \\n.");
    CU_ASSERT_EQUAL_FATAL(o.po_families[0].pf_nsamples, 2);
    CU_ASSERT_STRING_EQUAL(o.po_families[0].pf_samples[1].ps_labels,
                           "code=\"500\",path=\"a\\\"b\"");
    CU_ASSERT_DOUBLE_EQUAL(o.po_families[0].pf_samples[1].ps_value, 1000.0, 1e-9);
    CU_ASSERT_EQUAL(o.po_families[1].pf_type, PLUGIN_TYPE_UNTYPED);
    CU_ASSERT_PTR_NULL(o.po_families[1].pf_samples[0].ps_labels);
    CU_ASSERT_DOUBLE_EQUAL(o.po_families[1].pf_samples[0].ps_value, -3.5, 1e-9);
    CU_ASSERT(isnan(o.po_families[2].pf_samples[0].ps_value));
    plugin_output_release(&o);
}

static void
test_output_bad(void)
{
    static const char *const bad[] = {
        "garbage\n",
        "metric\n",
        "metric abc\n",
        "metric 1 1700000000\n",
        "9metric 1\n",
        "m{a=\"1\" 1\n",
        "m{a=1} 1\n",
        "m{__name__=\"x\"} 1\n",
        "m{a=\"\\q\"} 1\n",
        "# TYPE m histogram\nm 1\n",
        "# TYPE m counter\n# TYPE m counter\nm 1\n",
        "m 1\n# TYPE m gauge\n",
        "a 1\nb 1\na 2\n",
        "m 1\nm 2\n",
        "m{a=\"1\"} 1\nm{a=\"1\"} 2\n",
        "# TTL forever\n",
        "# TTL 5\n# TTL 6\n",
        "m\x01 1\n",
        "m 1e999\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        plugin_output_t o;
        char err[128] = "";
        int rc = parse(bad[i], &o, err);
        CU_ASSERT_EQUAL(rc, -1);
        if (rc != -1)
            fprintf(stderr, "accepted: %s", bad[i]);
        CU_ASSERT_EQUAL(strncmp(err, "line ", 5), 0);
        CU_ASSERT_EQUAL(o.po_nfamilies, 0);
        CU_ASSERT_PTR_NULL(o.po_families);
    }
}

static void
test_output_nul_byte(void)
{
    plugin_output_t o;
    char err[128];
    CU_ASSERT_EQUAL(plugin_output_parse("m 1\n\0m2 2\n", 10, &o, err, sizeof(err)), -1);
}

static void
test_output_empty(void)
{
    plugin_output_t o;
    char err[128];
    CU_ASSERT_EQUAL(parse("", &o, err), 0);
    CU_ASSERT_EQUAL(o.po_nfamilies, 0);
    CU_ASSERT_EQUAL(o.po_ttl, -1);
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
    {"dir modes", test_dir_modes},
    {"dir owner", test_dir_owner},
    {"dir missing", test_dir_missing},
    {"name from path", test_name_from_path},
    {"output good", test_output_good},
    {"output bad", test_output_bad},
    {"output NUL byte", test_output_nul_byte},
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
