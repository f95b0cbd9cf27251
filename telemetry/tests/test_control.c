/* CUnit: the control socket's verbs without HTTP (control.h) and the
 * -putenv set (envset.h): routing, statuses, all-or-nothing, the counts of
 * containerpilot_control_http_requests, and the reload hand-over to the
 * main loop (played here by a thread). */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "cunit_main.h"

static const char *const config_text =
    "{telemetry: {metrics: [{name: \"hits_total\", type: \"counter\"}]}}";

struct fixture {
    struct cfg f_cfg;
    struct registry f_reg;
    struct envset f_env;
    struct control f_ctl;
};

static int
fixture_open(struct fixture *f)
{
    char err[512];
    if (cfg_load_text("t", config_text, strlen(config_text), &f->f_cfg, err, sizeof err) != 0 ||
        registry_init(&f->f_reg, &f->f_cfg) != 0)
        return -1;
    envset_init(&f->f_env);
    return control_init(&f->f_ctl, &f->f_reg, &f->f_env);
}

static void
fixture_close(struct fixture *f)
{
    control_free(&f->f_ctl);
    envset_free(&f->f_env);
    registry_free(&f->f_reg);
    cfg_free(&f->f_cfg);
}

/* One request: its status; the answer's text in out (may be NULL). */
static int
ask(struct fixture *f, const char *method, const char *path, const char *body, char *out,
    size_t outlen)
{
    sbuf_t a;
    sbuf_init(&a, 64);
    int code = control_answer(&f->f_ctl, method, path, body, body ? strlen(body) : 0, 0, &a);
    if (out != NULL)
        snprintf(out, outlen, "%s", a.sb_buf);
    sbuf_release(&a);
    return code;
}

static uint64_t
counted(struct fixture *f, size_t path, int code)
{
    size_t c = 0;
    while (c < REG_NCTL_CODES && reg_ctl_codes[c] != code)
        c++;
    return f->f_reg.rg_ctl[path][c];
}

static void
test_routes(void)
{
    struct fixture f;
    char out[256];
    CU_ASSERT_FATAL(fixture_open(&f) == 0);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/metric", "{\"hits_total\": 2}", out, sizeof out), 200);
    CU_ASSERT_STRING_EQUAL(out, ""); /* ContainerPilot answers 200 with no body */
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/metric", "{\"nope\": 1}", out, sizeof out), 400);
    CU_ASSERT_STRING_EQUAL(out, "nope is not a configured metric\n");
    CU_ASSERT_EQUAL(ask(&f, "GET", "/v3/ping", NULL, out, sizeof out), 200);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/ping", "", NULL, 0), 405);
    CU_ASSERT_STRING_EQUAL(control_allow("/v3/ping"), "GET");
    CU_ASSERT_STRING_EQUAL(control_allow("/v3/environ"), "POST");
    CU_ASSERT_PTR_NULL(control_allow("/v3/nothing"));
    CU_ASSERT_EQUAL(ask(&f, "GET", "/v3/environ", NULL, NULL, 0), 405);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/../etc", "{}", NULL, 0), 404);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/maintenance/enable", "", NULL, 0), 200);
    CU_ASSERT_TRUE(f.f_reg.rg_maintenance);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/maintenance/disable", "", NULL, 0), 200);
    CU_ASSERT_FALSE(f.f_reg.rg_maintenance);
    CU_ASSERT_DOUBLE_EQUAL(f.f_reg.rg_metrics[0].rm_value, 2, 1e-12);
    /* containerpilot_control_http_requests: paths as in reg_ctl_paths */
    CU_ASSERT_EQUAL(counted(&f, 1, 200), 1); /* /v3/metric */
    CU_ASSERT_EQUAL(counted(&f, 1, 400), 1);
    CU_ASSERT_EQUAL(counted(&f, 2, 200), 1); /* /v3/ping */
    CU_ASSERT_EQUAL(counted(&f, 2, 405), 1);
    CU_ASSERT_EQUAL(counted(&f, 6, 404), 1); /* other */
    fixture_close(&f);
}

static void
test_environ(void)
{
    struct fixture f;
    char out[256];
    CU_ASSERT_FATAL(fixture_open(&f) == 0);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"A\": \"1\", \"B\": \"\"}", NULL, 0), 200);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"A\": \"x=y\"}", NULL, 0), 200);
    /* all or nothing: a bad entry leaves the set as it was */
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"C\": \"3\", \"D\": 4}", out, sizeof out),
                    422);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "value of D must be a string"));
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"E=F\": \"1\"}", NULL, 0), 422);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"\": \"1\"}", NULL, 0), 422);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"N\": \"a\\u0000b\"}", NULL, 0), 422);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "[\"A\"]", NULL, 0), 422);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"A\": ", NULL, 0), 422);
    CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/environ", "{\"A\": \"1\", \"A\": \"2\"}", NULL, 0), 422);
    char **vars = envset_snapshot(&f.f_env);
    CU_ASSERT_PTR_NOT_NULL_FATAL(vars);
    CU_ASSERT_STRING_EQUAL(vars[0], "A=x=y");
    CU_ASSERT_STRING_EQUAL(vars[1], "B=");
    CU_ASSERT_PTR_NULL(vars[2]);
    envset_snapshot_free(vars);
    fixture_close(&f);
}

/* The cap: ENVSET_MAX names; beyond, 422 and nothing added. */
static void
test_environ_cap(void)
{
    struct envset e;
    envset_init(&e);
    char body[64];
    sbuf_t msg;
    sbuf_init(&msg, 64);
    int code = 200;
    for (int k = 0; k < ENVSET_MAX && code == 200; k++) {
        snprintf(body, sizeof body, "{\"V%d\": \"x\"}", k);
        code = envset_put(&e, body, strlen(body), &msg);
    }
    CU_ASSERT_EQUAL(code, 200);
    CU_ASSERT_EQUAL(envset_put(&e, "{\"W\": \"x\"}", 10, &msg), 422);
    CU_ASSERT_EQUAL(e.es_n, ENVSET_MAX);
    CU_ASSERT_EQUAL(envset_put(&e, "{\"V7\": \"y\"}", 11, &msg), 200); /* a replacement fits */
    CU_ASSERT_EQUAL(e.es_n, ENVSET_MAX);
    CU_ASSERT_PTR_NULL(envset_snapshot(&(struct envset){.es_n = 0}));
    sbuf_release(&msg);
    envset_free(&e);
}

/* The main loop's side of a reload, in a thread: waits for a request and
 * answers it with `answer`. */
struct loop_arg {
    struct control *la_ctl;
    int la_answer;
};

static void *
fake_loop(void *p)
{
    struct loop_arg *a = p;
    while (!control_reload_wanted(a->la_ctl))
        usleep(1000);
    uint64_t upto = control_reload_begin(a->la_ctl);
    control_reload_end(a->la_ctl, upto, a->la_answer, "cp.json5:1:22: broken");
    return NULL;
}

static void
test_reload(void)
{
    struct fixture f;
    char out[256];
    CU_ASSERT_FATAL(fixture_open(&f) == 0);
    for (int answer = 200; answer <= 422; answer += 222) {
        struct loop_arg a = {&f.f_ctl, answer};
        pthread_t t;
        CU_ASSERT_FATAL(pthread_create(&t, NULL, fake_loop, &a) == 0);
        CU_ASSERT_EQUAL(ask(&f, "POST", "/v3/reload", "", out, sizeof out), answer);
        pthread_join(t, NULL);
        CU_ASSERT_STRING_EQUAL(out, answer == 200 ? "" : "cp.json5:1:22: broken\n");
        CU_ASSERT_FALSE(control_reload_wanted(&f.f_ctl));
    }
    fixture_close(&f);
}

static const CU_TestInfo tests[] = {
    {"routes and counts", test_routes},
    {"environ", test_environ},
    {"environ cap", test_environ_cap},
    {"reload hand-over", test_reload},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    signal(SIGCHLD, SIG_IGN); /* control_reload wakes the (here absent) loop with SIGCHLD */
    return cunit_main(argc, argv, "control", tests);
}
