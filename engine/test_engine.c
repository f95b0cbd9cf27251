/*
 * test_engine.c - CUnit tests of the scenario engine's parts that need no
 * agent and no world: argument checks, the sandbox, reading samples (cmonconform),
 * the report and its JUnit XML, the faketime clock file. The whole engine is
 * tested end to end by the scenarios in scenarios/ (ctest).
 */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <lauxlib.h>
#include <lualib.h>

#include "cunit_main.h"
#include "engine.h"
#include "response.h"

/* ---- helpers ------------------------------------------------------------ */

static char test_scratch[64];

/* Runs code in L; returns NULL on success or the error message (static copy). */
static const char *
test_run(lua_State *L, const char *code)
{
    static char err[512];
    if (luaL_dostring(L, code) == LUA_OK)
        return NULL;
    snprintf(err, sizeof(err), "%s", lua_tostring(L, -1));
    if (getenv("TEST_VERBOSE"))
        fprintf(stderr, "lua: %s\n", err);
    lua_pop(L, 1);
    return err;
}

static int
test_args_fn(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {{"rate", SCN_ARG_NUMBER, 0},
                                               {"n", SCN_ARG_INTEGER, 0},
                                               {"name", SCN_ARG_STRING, 0},
                                               {"delta", SCN_ARG_NUMBER, SCN_ARG_SIGNED},
                                               {NULL, 0, 0}};
    scn_args_check(L, 1, "t.call", spec);
    lua_pushnumber(L, scn_args_number(L, 1, "rate", 7));
    return 1;
}

/* ---- args --------------------------------------------------------------- */

static void
test_args(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_register(L, "f", test_args_fn);
    CU_ASSERT_PTR_NULL(test_run(L, "assert(f{rate=0.5, n=3, name='x', delta=-2} == 0.5)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(f{} == 7)"));
    const char *e = test_run(L, "f{rat=1}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "t.call: unknown key 'rat'"));
    e = test_run(L, "f{rate='fast'}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "t.call: key 'rate' must be a number, got string"));
    e = test_run(L, "f{rate=-1}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "t.call: key 'rate' must not be negative"));
    e = test_run(L, "f{n=1.5}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "key 'n' must be an integer"));
    e = test_run(L, "f(3)");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "t.call: expects a table"));
    e = test_run(L, "f{[1]=2}");
    CU_ASSERT_PTR_NOT_NULL(e);
    lua_close(L);
}

/* ---- sandbox ------------------------------------------------------------ */

static lua_State *
test_sandbox(struct scn_engine *e)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->se_scratch, sizeof(e->se_scratch), "%s", test_scratch);
    snprintf(e->se_dir, sizeof(e->se_dir), "%s", test_scratch);
    lua_State *L = luaL_newstate();
    scn_sandbox_open(L, e);
    return L;
}

static void
test_sandbox_gone(void)
{
    struct scn_engine e;
    lua_State *L = test_sandbox(&e);
    CU_ASSERT_PTR_NULL(test_run(L, "assert(os.execute == nil and os.exit == nil)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(os.remove == nil and os.rename == nil)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(io.popen == nil and io.tmpfile == nil)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(package.loadlib == nil and package.cpath == '')"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(debug.getinfo == nil and debug.traceback)"));
    CU_ASSERT_PTR_NOT_NULL(test_run(L, "require 'socket.core'"));
    /* binary chunks could crash the VM: refused */
    CU_ASSERT_PTR_NULL(test_run(L, "local f, err = load(string.dump(function() end))\n"
                                   "assert(f == nil and err:find('binary'))"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(load('return 1+1')() == 2)"));
    lua_close(L);
}

static void
test_sandbox_files(void)
{
    struct scn_engine e;
    lua_State *L = test_sandbox(&e);
    char code[512];
    snprintf(code, sizeof(code),
             "local f = assert(io.open('%s/out.txt', 'w')); f:write('hi'); f:close()\n"
             "assert(io.open('%s/out.txt'):read('a') == 'hi')",
             test_scratch, test_scratch);
    CU_ASSERT_PTR_NULL(test_run(L, code));
    const char *err = test_run(L, "io.open('/tmp/cmon-scenario-escape.txt', 'w')");
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "only inside the scratch directory"));
    CU_ASSERT_EQUAL(access("/tmp/cmon-scenario-escape.txt", F_OK), -1);
    snprintf(code, sizeof(code), "io.open('%s/../escape.txt', 'a')", test_scratch);
    CU_ASSERT_PTR_NOT_NULL(test_run(L, code));
    CU_ASSERT_PTR_NOT_NULL(test_run(L, "io.output('/tmp/cmon-scenario-escape.txt')"));
    /* require finds Lua files next to the scenario */
    snprintf(code, sizeof(code),
             "local f = io.open('%s/helper.lua', 'w'); f:write('return {x = 42}'); f:close()\n"
             "assert(require('helper').x == 42)",
             test_scratch);
    CU_ASSERT_PTR_NULL(test_run(L, code));
    lua_close(L);
}

/* Writes text to the file name in the scratch directory. */
static void
test_write(const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", test_scratch, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* Files load under the names reports use: a required file is named as the
 * scenario's folder is named, never by the absolute path it is read from. */
static void
test_sandbox_names(void)
{
    struct scn_engine e;
    lua_State *L = test_sandbox(&e);
    snprintf(e.se_name_dir, sizeof(e.se_name_dir), "scenarios/");
    test_write("breaks.lua", "local x = 1\nerror('broken here')\n");
    const char *err = test_run(L, "require 'breaks'");
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "scenarios/breaks.lua:2: broken here"));
    CU_ASSERT_PTR_NULL(strstr(err, test_scratch));
    err = test_run(L, "require 'absent'");
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no file 'scenarios/absent.lua'"));
    /* a #! first line and a BOM are skipped, the line numbers kept */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/bang.lua", test_scratch);
    test_write("bang.lua", "\xEF\xBB\xBF#!/usr/bin/env cmon-sim run\n\nerror('line 3')\n");
    CU_ASSERT_EQUAL_FATAL(scn_sandbox_loadfile(L, path, "@x/bang.lua"), LUA_OK);
    CU_ASSERT_NOT_EQUAL(lua_pcall(L, 0, 0, 0), LUA_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), "x/bang.lua:3: line 3"));
    lua_pop(L, 1);
    /* a first line longer than the loader's buffer */
    static char longline[10000];
    memset(longline, '#', 9000);
    snprintf(longline + 9000, sizeof(longline) - 9000, "\nerror('line 2')\n");
    test_write("long.lua", longline);
    snprintf(path, sizeof(path), "%s/long.lua", test_scratch);
    CU_ASSERT_EQUAL_FATAL(scn_sandbox_loadfile(L, path, "@long.lua"), LUA_OK);
    CU_ASSERT_NOT_EQUAL(lua_pcall(L, 0, 0, 0), LUA_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), "long.lua:2: line 2"));
    lua_pop(L, 1);
    /* errors name the file by its chunk name */
    test_write("syntax.lua", "x = = 1\n");
    snprintf(path, sizeof(path), "%s/syntax.lua", test_scratch);
    CU_ASSERT_EQUAL_FATAL(scn_sandbox_loadfile(L, path, "@syntax.lua"), LUA_ERRSYNTAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), "syntax.lua:1:"));
    lua_pop(L, 1);
    CU_ASSERT_EQUAL(scn_sandbox_loadfile(L, test_scratch, "@dir.lua"), LUA_ERRFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), "cannot read dir.lua"));
    lua_pop(L, 1);
    snprintf(path, sizeof(path), "%s/none.lua", test_scratch);
    CU_ASSERT_EQUAL(scn_sandbox_loadfile(L, path, "@none.lua"), LUA_ERRFILE);
    CU_ASSERT_PTR_NOT_NULL(strstr(lua_tostring(L, -1), "cannot open none.lua"));
    lua_close(L);
}
static void
test_sandbox_writable(void)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/a.xml", test_scratch);
    CU_ASSERT_TRUE(scn_sandbox_writable(test_scratch, p));
    snprintf(p, sizeof(p), "%s/../a.xml", test_scratch);
    CU_ASSERT_FALSE(scn_sandbox_writable(test_scratch, p));
    CU_ASSERT_FALSE(scn_sandbox_writable(test_scratch, "/etc/passwd"));
    snprintf(p, sizeof(p), "%s/nodir/a", test_scratch);
    CU_ASSERT_FALSE(scn_sandbox_writable(test_scratch, p));
    CU_ASSERT_FALSE(scn_sandbox_writable(test_scratch, test_scratch));
}

/* ---- reading samples (cmonconform through the engine) -------------------- */

struct test_found {
    int n;
    double sum;
    char label[256];
    char family[64];
};

static int
test_on_sample(const conform_sample_t *s, void *arg)
{
    struct test_found *f = arg;
    f->n++;
    f->sum += s->cs_value;
    const char *l = conform_sample_label(s, "interface");
    if (l != NULL)
        snprintf(f->label, sizeof(f->label), "%s", l);
    if (f->n == 1)
        snprintf(f->family, sizeof(f->family), "%s", s->cs_family);
    return 0;
}

/* What the engine read before cmonconform did it: names, labels
 * (unescaped), values with a timestamp, a bad line counted and skipped,
 * comments and blank lines passed over. */
static void
test_samples_text(void)
{
    static const char body[] =
        "# HELP a_total things\n# TYPE a_total counter\n"
        "a_total 3\n"
        "net_in{interface=\"z1_net0\",x=\"q\\\"uote\\\\\"} 1.5e3 1700000000\n"
        "\n"
        "bad{interface=\"unterminated} 1\n"
        "gauge -2\n";
    struct test_found f = {0};
    size_t bad =
        scn_samples_read(body, sizeof(body) - 1, "text/plain; version=0.0.4", test_on_sample, &f);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_EQUAL(f.n, 3);
    CU_ASSERT_DOUBLE_EQUAL(f.sum, 3 + 1500 - 2, 1e-9);
    CU_ASSERT_STRING_EQUAL(f.label, "z1_net0");
    CU_ASSERT_STRING_EQUAL(f.family, "a_total");
}

/* No Content-Type: the body says OpenMetrics by its # EOF. */
static void
test_samples_sniffed(void)
{
    static const char body[] = "# TYPE a counter\na_total 3\n"
                               "net_in{interface=\"z1_net0\"} 1.5e3 1700000000\n# EOF\n";
    struct test_found f = {0};
    CU_ASSERT_EQUAL(scn_samples_read(body, sizeof(body) - 1, "", test_on_sample, &f), 0);
    CU_ASSERT_EQUAL(f.n, 2);
    CU_ASSERT_STRING_EQUAL(f.family, "a"); /* OpenMetrics: the counter's family */
    CU_ASSERT_STRING_EQUAL(f.label, "z1_net0");
}

/* r:value and r:values on a response table, as scenarios call them. */
static void
test_response_values(void)
{
    static const char body[] = "# TYPE cpu_user_usage counter\ncpu_user_usage_total 12.5\n"
                               "# TYPE net gauge\nnet{interface=\"z1_net0\"} 1\n"
                               "net{interface=\"z1_net1\",x=\"q\\\"uote\"} 2\n# EOF\n";
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    scn_lua_open_response(L);
    struct scn_http_req req;
    memset(&req, 0, sizeof(req));
    snprintf(req.hr_url, sizeof(req.hr_url), "http://127.0.0.1:1/metrics");
    struct fetch_resp *r = &req.hr_call.fc_resp;
    r->rs_status = 200;
    r->rs_body = (char *)body; /* only read */
    r->rs_len = sizeof(body) - 1;
    snprintf(r->rs_content_type, sizeof(r->rs_content_type),
             "application/openmetrics-text; version=1.0.0");
    struct scn_scrape_meta m = {.sm_zix = -1};
    lua_pushnil(L);
    scn_response_push(L, &req, &m, lua_gettop(L), 0);
    lua_setglobal(L, "r");
    CU_ASSERT_PTR_NULL(test_run(L, "assert(r:value('cpu_user_usage') == 12.5)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(r:value('cpu_user_usage_total') == 12.5)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(r:value('net', {interface='z1_net1'}) == 2)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(r:value('net', {interface='z9'}) == nil)"));
    CU_ASSERT_PTR_NULL(test_run(L, "assert(r:value('absent') == nil)"));
    CU_ASSERT_PTR_NULL(test_run(L, "local v = r:values('net')\n"
                                   "assert(#v == 2 and v[1].value == 1)\n"
                                   "assert(v[2].labels.x == 'q\"uote')"));
    CU_ASSERT_PTR_NOT_NULL(test_run(L, "r.value({}, 'net')"));
    lua_close(L);
}

/* ---- report and JUnit -------------------------------------------------- */

static char *
test_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[4 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The number of times needle occurs in hay. */
static int
test_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* a.lua: three checks at two sites, one failed, and output; b.lua: does not
 * load; c.lua: runs to its end without a check. */
static struct scn_report *
test_report_run(void)
{
    struct scn_report *r = scn_report_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    scn_report_begin(r, "/some/checkout/a.lua", "a.lua");
    scn_report_check(r, "a.lua:3", "zone <1> holds", 1);
    scn_report_output(r, "hello <world>\n", 14);
    scn_report_check(r, "a.lua:3", "zone <2> & \"2\" took 12.5 ms", 0);
    scn_report_output(r, "bad \xff\x01 bytes\n", 13);
    scn_report_check(r, "a.lua:9", "fine", 1);
    scn_report_end(r, 0.5, 1);
    scn_report_begin(r, "b.lua", "b.lua");
    scn_report_error(r, "the scenario does not load", "b.lua:1: syntax error near 'x'");
    scn_report_end(r, 0.1, 1);
    scn_report_begin(r, "c.lua", "c.lua");
    scn_report_end(r, 0.1, 1);
    return r;
}

static void
test_report_totals(void)
{
    struct scn_report *r = test_report_run();
    unsigned long p, f, e;
    scn_report_totals(r, &p, &f, &e);
    CU_ASSERT_EQUAL(p, 2);
    CU_ASSERT_EQUAL(f, 1);
    CU_ASSERT_EQUAL(e, 2); /* b.lua broke, c.lua made no checks */
    scn_report_free(r);
}

static void
test_report_junit(void)
{
    struct scn_report *r = test_report_run();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/junit.xml", test_scratch);
    mode_t umask_was = umask(077); /* the report is 0644 whatever the umask */
    CU_ASSERT_EQUAL_FATAL(scn_report_junit(r, path), 0);
    umask(umask_was);
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);
    const char *xml = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
    /* tests = checks + broken scenarios, as the closing line counts them */
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuites name=\"cmon-sim run\" tests=\"5\" "
                                       "failures=\"1\" errors=\"2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuite name=\"a.lua\" tests=\"3\" failures=\"1\" "
                                       "errors=\"0\""));
    CU_ASSERT_EQUAL(test_count(xml, "<testcase "), 5);
    /* names: the site and the call's rank there, never the path given nor the message */
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "classname=\"a.lua\" name=\"a.lua:3 #1\"/>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "classname=\"a.lua\" name=\"a.lua:3 #2\">"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "classname=\"a.lua\" name=\"a.lua:9 #1\"/>"));
    CU_ASSERT_PTR_NULL(strstr(xml, "/some/checkout"));
    /* the failure: a fixed message, the check's own message in the body */
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<failure message=\"check failed\" type=\"check\">"
                                       "a.lua:3: check failed: zone &lt;2&gt; &amp; &quot;2&quot; "
                                       "took 12.5 ms</failure>"));
    CU_ASSERT_PTR_NULL(strstr(xml, "message=\"zone"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<error message=\"the scenario does not load\" "
                                       "type=\"scenario\">b.lua:1: syntax error near "
                                       "&apos;x&apos;</error>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<testsuite name=\"c.lua\" tests=\"1\" failures=\"0\" "
                                       "errors=\"1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<error message=\"the scenario made no checks\""));
    /* what it printed, escaped, bytes that are no UTF-8 character as U+FFFD */
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<system-out>hello &lt;world&gt;\n"
                                       "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes\n</system-out>"));
    CU_ASSERT_EQUAL(test_count(xml, "<system-out>"), 1);
    CU_ASSERT_PTR_NULL(strstr(xml, "<1>"));
    /* an unwritable path fails cleanly and leaves nothing behind */
    CU_ASSERT_EQUAL(scn_report_junit(r, "/nonexistent-dir/j.xml"), -1);
    scn_report_free(r);
}

/* Output past the first MiB of a scenario is counted, not kept. */
static void
test_report_output_cap(void)
{
    struct scn_report *r = scn_report_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    scn_report_begin(r, "big.lua", "big.lua");
    static char line[1000];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\n';
    for (int i = 0; i < 1100; i++)
        scn_report_output(r, line, sizeof(line));
    scn_report_check(r, "big.lua:1", "ok", 1);
    scn_report_end(r, 0.1, 1);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/big.xml", test_scratch);
    CU_ASSERT_EQUAL_FATAL(scn_report_junit(r, path), 0);
    const char *xml = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
    char want[64];
    snprintf(want, sizeof(want), "[%d more bytes of output not kept]", 1100 * 1000 - 1048576);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, want));
    scn_report_free(r);
}

/* ---- clock --------------------------------------------------------------- */

static void
test_clock(void)
{
    char buf[64];
    scn_clock_format(10250000000ull, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2026-01-01 00:00:10.250000000");
    scn_clock_format(86400ull * 1000000000ull + 1, buf, sizeof(buf));
    CU_ASSERT_STRING_EQUAL(buf, "2026-01-02 00:00:00.000000001");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/clock", test_scratch);
    CU_ASSERT_EQUAL_FATAL(scn_clock_write(path, 3000000000ull), 0);
    const char *s = test_slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, "2026-01-01 00:00:03.000000000\n");
}

/* ---- main ---------------------------------------------------------------- */

static int
test_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int
test_rm_scratch(void)
{
    return nftw(test_scratch, test_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static const CU_TestInfo tests[] = {
    {"args: unknown keys, types, negatives", test_args},
    {"sandbox: dangerous calls gone", test_sandbox_gone},
    {"sandbox: writes only in scratch, require next to it", test_sandbox_files},
    {"sandbox: writable path rule", test_sandbox_writable},
    {"sandbox: files load under relative names", test_sandbox_names},
    {"samples: text, labels, escapes, a bad line", test_samples_text},
    {"samples: OpenMetrics sniffed without a Content-Type", test_samples_sniffed},
    {"response: r:value and r:values", test_response_values},
    {"report: totals count checks and broken scenarios", test_report_totals},
    {"report: JUnit XML names, bodies, output, mode", test_report_junit},
    {"report: output past a MiB counted, not kept", test_report_output_cap},
    {"clock: libfaketime timestamp file", test_clock},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    snprintf(test_scratch, sizeof(test_scratch), "/tmp/cmon-scn-test-XXXXXX");
    if (mkdtemp(test_scratch) == NULL)
        return 1;
    int rc = cunit_main(argc, argv, "scenario engine", tests);
    test_rm_scratch();
    return rc;
}
