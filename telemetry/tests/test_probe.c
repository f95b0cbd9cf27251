/* CUnit: probe outcomes with real processes — numbers, garbage, hangs,
 * failures, floods, stragglers, missing programs — and that a hung probe
 * does not hold the others back. No timing assertions: the loop runs until
 * the expected events happened (with a generous safety limit). */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "cunit_main.h"
#include "probe.h"

#define SAFETY_SECONDS 120.0

static sigset_t wait_mask;

struct fixture {
    struct cfg f_cfg;
    struct registry f_reg;
    struct prober f_pb;
};

static int
fixture_open(struct fixture *f, const char *text)
{
    char err[512];
    if (cfg_load_text("probe-test", text, strlen(text), &f->f_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    registry_init(&f->f_reg, &f->f_cfg);
    prober_init(&f->f_pb, &f->f_reg, NULL, prober_now());
    f->f_pb.pb_quiet = true;
    return 0;
}

static void
fixture_close(struct fixture *f)
{
    prober_free(&f->f_pb);
    registry_free(&f->f_reg);
    cfg_free(&f->f_cfg);
}

static struct reg_metric *
metric(struct fixture *f, const char *name)
{
    return &f->f_reg.rg_metrics[registry_find(&f->f_reg, name)];
}

static uint64_t
runs(struct reg_metric *m)
{
    uint64_t n = 0;
    for (int o = 0; o < PROBE_NOUTCOMES; o++)
        n += m->rm_runs[o];
    return n;
}

static bool
all_ran(struct fixture *f)
{
    for (size_t k = 0; k < f->f_reg.rg_n; k++)
        if (f->f_reg.rg_metrics[k].rm_cfg->cm_is_sensor && runs(&f->f_reg.rg_metrics[k]) == 0)
            return false;
    return true;
}

/* Whether any process of group pgid is left, waiting up to 30 s for the
 * killed ones to be reaped by whoever inherits them. */
static bool
group_alive(pid_t pgid)
{
    for (int k = 0; k < 300; k++) {
        if (kill(-pgid, 0) != 0 && errno == ESRCH)
            return false;
        usleep(100000);
    }
    return true;
}

static const char *const outcomes_config =
    "{telemetry: {sensors: [\n"
    " {name: \"num\", type: \"gauge\", poll: 3600, check: \"echo  -12.5e1 \"},\n"
    " {name: \"garbage\", type: \"gauge\", poll: 3600, check: \"echo 12 apples\"},\n"
    " {name: \"empty\", type: \"gauge\", poll: 3600, check: \"true\"},\n"
    " {name: \"hang\", type: \"gauge\", poll: 3600, timeout: \"1s\", check: \"sleep 1000\"},\n"
    " {name: \"fail\", type: \"gauge\", poll: 3600, check: [\"sh\", \"-c\", \"echo 1; exit 3\"]},\n"
    " {name: \"signal\", type: \"gauge\", poll: 3600, check: [\"sh\", \"-c\", \"kill -9 $$\"]},\n"
    " {name: \"flood\", type: \"gauge\", poll: 3600, timeout: 60, check: \"yes 1\"},\n"
    " {name: \"missing\", type: \"gauge\", poll: 3600, check: \"/nonexistent/probe\"},\n"
    " {name: \"neg_total\", type: \"counter\", poll: 3600, check: \"echo -2\"},\n"
    " {name: \"straggler\", type: \"gauge\", poll: 3600, timeout: 60,\n"
    "   check: [\"sh\", \"-c\", \"sleep 1000 & echo $$\"]},\n"
    "]}}";

static void
test_outcomes(void)
{
    struct fixture f;
    CU_ASSERT_FATAL(fixture_open(&f, outcomes_config) == 0);
    double end = prober_now() + SAFETY_SECONDS;
    pid_t hang = 0;
    while (!all_ran(&f) && prober_now() < end) {
        prober_step(&f.f_pb, &wait_mask, 0.5);
        for (size_t k = 0; k < f.f_pb.pb_n; k++) {
            struct probe *pr = &f.f_pb.pb_probes[k];
            if (pr->pr_sp.sp_pid > 0 && strcmp(pr->pr_cfg->cm_name, "hang") == 0)
                hang = pr->pr_sp.sp_pid;
        }
    }
    /* the killed ones are our children: the loop reaps them as it goes on */
    for (size_t k = 0; k < f.f_pb.pb_n && prober_now() < end; k++)
        while (f.f_pb.pb_probes[k].pr_state == PROBE_REAPING && prober_now() < end)
            prober_step(&f.f_pb, &wait_mask, 0.5);
    CU_ASSERT_EQUAL(metric(&f, "num")->rm_runs[PROBE_OK], 1);
    CU_ASSERT_DOUBLE_EQUAL(metric(&f, "num")->rm_value, -125, 1e-12);
    CU_ASSERT_EQUAL(metric(&f, "garbage")->rm_runs[PROBE_INVALID], 1);
    CU_ASSERT_EQUAL(metric(&f, "empty")->rm_runs[PROBE_INVALID], 1);
    CU_ASSERT_EQUAL(metric(&f, "hang")->rm_runs[PROBE_TIMEOUT], 1);
    CU_ASSERT_EQUAL(metric(&f, "fail")->rm_runs[PROBE_FAILED], 1);
    CU_ASSERT_DOUBLE_EQUAL(metric(&f, "fail")->rm_value, 0, 1e-12);
    CU_ASSERT_EQUAL(metric(&f, "signal")->rm_runs[PROBE_FAILED], 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(metric(&f, "signal")->rm_last.rl_message, "signal 9"));
    CU_ASSERT_EQUAL(metric(&f, "flood")->rm_runs[PROBE_OVERFLOW], 1);
    CU_ASSERT_EQUAL(metric(&f, "missing")->rm_runs[PROBE_ERROR], 1);
    CU_ASSERT_EQUAL(metric(&f, "neg_total")->rm_runs[PROBE_REJECTED], 1);
    CU_ASSERT_DOUBLE_EQUAL(metric(&f, "neg_total")->rm_value, 0, 1e-12);
    CU_ASSERT_EQUAL(metric(&f, "straggler")->rm_runs[PROBE_OK], 1);
    /* it printed its own pid, which is its process group id */
    pid_t straggler = (pid_t)metric(&f, "straggler")->rm_value;
    /* killed with their whole process group, background children included */
    CU_ASSERT_TRUE(hang > 0 && !group_alive(hang));
    CU_ASSERT_TRUE(straggler > 0 && !group_alive(straggler));
    fixture_close(&f);
}

/* A probe that hangs for a long time while a quick one keeps its schedule. */
static void
test_hang_does_not_block(void)
{
    struct fixture f;
    CU_ASSERT_FATAL(fixture_open(&f,
                                 "{telemetry: {sensors: [\n"
                                 " {name: \"stuck\", type: \"gauge\", poll: 1, timeout: \"10m\","
                                 "  check: \"sleep 1000\"},\n"
                                 " {name: \"quick\", type: \"counter\", poll: 0.05, timeout: 10, "
                                 "check: \"echo 1\"}]}}") == 0);
    double end = prober_now() + SAFETY_SECONDS;
    while (metric(&f, "quick")->rm_runs[PROBE_OK] < 5 && prober_now() < end)
        prober_step(&f.f_pb, &wait_mask, 0.5);
    CU_ASSERT_TRUE(metric(&f, "quick")->rm_runs[PROBE_OK] >= 5);
    CU_ASSERT_DOUBLE_EQUAL(metric(&f, "quick")->rm_value,
                           (double)metric(&f, "quick")->rm_runs[PROBE_OK], 1e-9);
    CU_ASSERT_EQUAL(runs(metric(&f, "stuck")), 0);
    pid_t stuck = f.f_pb.pb_probes[0].pr_sp.sp_pid;
    CU_ASSERT_TRUE(stuck > 0);
    fixture_close(&f); /* kills what still runs */
    CU_ASSERT_TRUE(stuck > 0 && !group_alive(stuck));
}

/* v3 sensor jobs: outcomes by exit, the -putenv set in their environment,
 * ContainerPilot's events, and stragglers killed with the group. */
static void
test_jobs(void)
{
    char dir[] = "/tmp/cmon-probe-jobs.XXXXXX", text[2048], file[64], forkfile[64];
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/seen", dir);
    snprintf(forkfile, sizeof forkfile, "%s/fork", dir);
    snprintf(text, sizeof text,
             "{jobs: [\n"
             " {name: \"env\", exec: [\"sh\", \"-c\", \"echo $SEEN >%s\"],"
             "  when: {interval: 3600}},\n"
             " {name: \"fail\", exec: [\"sh\", \"-c\", \"exit 3\"], when: {interval: 3600}},\n"
             " {name: \"hang\", exec: \"sleep 1000\", timeout: \"1s\", when: {interval: 3600}},\n"
             " {name: \"fork\", exec: [\"sh\", \"-c\", \"sleep 1000 & echo $$ >%s\"],"
             "  when: {interval: 3600}},\n"
             " {name: \"missing\", exec: \"/nonexistent/job\", when: {interval: 3600}},\n"
             "], telemetry: {}}",
             file, forkfile);
    struct fixture f;
    CU_ASSERT_FATAL(fixture_open(&f, text) == 0);
    struct envset env;
    envset_init(&env);
    sbuf_t msg;
    sbuf_init(&msg, 64);
    CU_ASSERT_EQUAL(envset_put(&env, "{\"SEEN\": \"seven\"}", 17, &msg), 200);
    f.f_pb.pb_env = &env;
    double end = prober_now() + SAFETY_SECONDS;
    bool done = false;
    while (!done && prober_now() < end) {
        prober_step(&f.f_pb, &wait_mask, 0.5);
        done = true;
        for (size_t k = 0; k < f.f_reg.rg_njobs; k++) {
            const struct reg_job *j = &f.f_reg.rg_jobs[k];
            done &= j->rj_last.rl_outcome >= 0 && f.f_pb.pb_probes[k].pr_state == PROBE_IDLE;
        }
    }
    const struct reg_job *j = f.f_reg.rg_jobs;
    CU_ASSERT_EQUAL(j[0].rj_runs[PROBE_OK], 1);
    CU_ASSERT_EQUAL(j[1].rj_runs[PROBE_FAILED], 1);
    CU_ASSERT_STRING_EQUAL(j[1].rj_last.rl_message, "exited with status 3");
    CU_ASSERT_EQUAL(j[2].rj_runs[PROBE_TIMEOUT], 1);
    CU_ASSERT_EQUAL(j[3].rj_runs[PROBE_OK], 1);
    CU_ASSERT_EQUAL(j[4].rj_runs[PROBE_ERROR], 1);
    /* the job printed its pid, its process group: gone with the job */
    FILE *seen = fopen(forkfile, "r");
    int fork_group = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
    CU_ASSERT_EQUAL(fscanf(seen, "%d", &fork_group), 1);
    fclose(seen);
    CU_ASSERT_TRUE(fork_group > 0 && !group_alive(fork_group));
    seen = fopen(file, "r");
    char line[32] = "";
    CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, seen));
    fclose(seen);
    CU_ASSERT_STRING_EQUAL(line, "seven\n");
    /* ContainerPilot's events: Startup, then one per run */
    const char *want[][2] = {{"Startup", "global"},  {"ExitSuccess", "env"}, {"ExitFailed", "fail"},
                             {"ExitFailed", "hang"}, {"ExitSuccess", "fork"}, {"Error", "missing"}};
    for (size_t w = 0; w < 6; w++) {
        bool found = false;
        for (size_t e = 0; e < f.f_reg.rg_nevents; e++)
            found |= strcmp(f.f_reg.rg_events[e].re_code, want[w][0]) == 0 &&
                     strcmp(f.f_reg.rg_events[e].re_source, want[w][1]) == 0 &&
                     f.f_reg.rg_events[e].re_count == 1;
        CU_ASSERT_TRUE(found);
        if (!found)
            fprintf(stderr, "\n  no event %s from %s\n", want[w][0], want[w][1]);
    }
    fixture_close(&f);
    sbuf_release(&msg);
    envset_free(&env);
    unlink(file);
    unlink(forkfile);
    rmdir(dir);
}

/* ContainerPilot's timer: a run longer than its interval delays the late
 * tick to its end; the ticks that passed entirely during it are skipped. */
static void
test_job_ticks(void)
{
    struct fixture f;
    CU_ASSERT_FATAL(fixture_open(&f, "{jobs: [{name: \"slow\", exec: \"sleep 0.35\","
                                     " timeout: 10, when: {interval: \"100ms\"}}],"
                                     " telemetry: {}}") == 0);
    double end = prober_now() + SAFETY_SECONDS;
    struct reg_job *j = &f.f_reg.rg_jobs[0];
    /* each run lasts at least 0.35 s: of the ticks +0.1, +0.2, +0.3 after
     * its start, the first starts the next run at its end, the other two
     * are skipped; the count only grows, whatever the machine's pace */
    while ((j->rj_runs[PROBE_OK] < 1 || f.f_pb.pb_probes[0].pr_state != PROBE_RUNNING) &&
           prober_now() < end)
        prober_step(&f.f_pb, &wait_mask, 0.5);
    CU_ASSERT_TRUE(j->rj_runs[PROBE_OK] >= 1);
    CU_ASSERT_TRUE(j->rj_skipped >= 2 * j->rj_runs[PROBE_OK]);
    fixture_close(&f);
}

static void
test_parse_output(void)
{
    double v;
    CU_ASSERT_EQUAL(prober_parse_output(" 42\n", 4, &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 42, 1e-12);
    CU_ASSERT_EQUAL(prober_parse_output("\t-1.5e-3 \r\n", 11, &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, -1.5e-3, 1e-15);
    CU_ASSERT_EQUAL(prober_parse_output("", 0, &v), -1);
    CU_ASSERT_EQUAL(prober_parse_output("  \n", 3, &v), -1);
    CU_ASSERT_EQUAL(prober_parse_output("1 2", 3, &v), -1);
    CU_ASSERT_EQUAL(prober_parse_output("12abc", 5, &v), -1);
    CU_ASSERT_EQUAL(prober_parse_output("1\0"
                                        "2",
                                        3, &v),
                    -1);
    CU_ASSERT_EQUAL(prober_parse_output("1e999", 5, &v), -1);
}

/* A probe that starts a daemon in a session of its own leaves nothing once
 * it has run: the prober, a child subreaper, kills and reaps the orphan
 * (issue 15, item 4). */
static void
test_setsid_orphan_reaped(void)
{
    char pidfile[64], config[512];
    snprintf(pidfile, sizeof pidfile, "/tmp/cmon-probe-orphan-%d.pid", (int)getpid());
    snprintf(config, sizeof config,
             "{telemetry: {sensors: [\n"
             " {name: \"daemon\", type: \"gauge\", poll: 3600, timeout: 60, check: [\"sh\", "
             "\"-c\", \"setsid sleep 1000 >/dev/null 2>&1 & echo $! > %s; echo 1\"]}]}}",
             pidfile);
    struct fixture f;
    CU_ASSERT_FATAL(fixture_open(&f, config) == 0);
    double end = prober_now() + SAFETY_SECONDS;
    while (runs(metric(&f, "daemon")) == 0 && prober_now() < end)
        prober_step(&f.f_pb, &wait_mask, 0.5);
    CU_ASSERT_EQUAL(metric(&f, "daemon")->rm_runs[PROBE_OK], 1);
    int orphan = 0;
    FILE *pf = fopen(pidfile, "r");
    if (pf != NULL) {
        if (fscanf(pf, "%d", &orphan) != 1)
            orphan = 0;
        fclose(pf);
    }
    unlink(pidfile);
    CU_ASSERT_TRUE(orphan > 0);
    /* gone and reaped while the prober still runs: not even a zombie */
    CU_ASSERT_TRUE(orphan > 0 && kill(orphan, 0) != 0 && errno == ESRCH);
    if (orphan > 0 && kill(orphan, 0) == 0)
        kill(orphan, SIGKILL); /* today's: do not leave it running */
    fixture_close(&f);
}

static const CU_TestInfo tests[] = {
    {"parse output", test_parse_output},
    {"outcomes", test_outcomes},
    {"hang does not block", test_hang_does_not_block},
    {"jobs", test_jobs},
    {"job ticks", test_job_ticks},
    {"setsid orphan reaped", test_setsid_orphan_reaped},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    if (prober_signals_block(&wait_mask) != 0)
        return 1;
    return cunit_main(argc, argv, "probe", tests);
}
