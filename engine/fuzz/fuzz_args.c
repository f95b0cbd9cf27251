/*
 * fuzz_args.c - libFuzzer target for the scenario engine's argument checks
 * (issue 15 item 9): every input is a Lua chunk run in the scenario sandbox
 * (sandbox.c) under a memory limit (runlimits.c's allocator) and an
 * instruction budget. Besides the standard library the chunk has
 *
 *   sim.check(N, ARGS)  the argument checks of args.c on the value ARGS with
 *                       spec N (of fuzz_specs: every argument type and flag
 *                       the sim.* calls use), then every getter on every key;
 *   sim.limits{...}     the real sim.limits (runlimits.c).
 *
 * Seeds (engine/fuzz/seeds/) are such chunks: table constructors with keys
 * of every type, nested tables, NaN, huge and negative numbers, metatables.
 * Beyond crashes and sanitizer findings, the target asserts what a check
 * promises: once scn_args_check() accepted a table, a number key holds a
 * number, not negative unless the spec says signed, an integer key an
 * integral finite number, a string key a string.
 *
 * Build (clang only): cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang &&
 * cmake --build build-fuzz --target cmon_args_fuzz; run:
 * build-fuzz/tests/cmon_args_fuzz -max_total_time=60 CORPUS engine/fuzz/seeds
 * (engine/fuzz/run.sh, the ctest entry fuzz_scenario_args of make test-scale).
 */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine.h"
#include "runlimits.h"

#define FUZZ_INSTRUCTIONS 200000
#define FUZZ_MEMORY_MB 64

/* The specs sim.check takes: together every type and flag of struct scn_arg_spec. */
static const struct scn_arg_spec fuzz_spec_zone[] = {
    {"name", SCN_ARG_STRING, 0},     {"brand", SCN_ARG_STRING, 0},
    {"cpu_cap", SCN_ARG_INTEGER, 0}, {"mem_cap", SCN_ARG_NUMBER, 0},
    {"nics", SCN_ARG_ANY, 0},        {"running", SCN_ARG_BOOLEAN, 0},
    {"tags", SCN_ARG_TABLE, 0},      {NULL, 0, 0}};
#define fuzz_spec_fault scn_fault_spec /* the real one (args.c) */
static const struct scn_arg_spec fuzz_spec_signed[] = {{"offset", SCN_ARG_NUMBER, SCN_ARG_SIGNED},
                                                       {"step", SCN_ARG_INTEGER, SCN_ARG_SIGNED},
                                                       {"on_done", SCN_ARG_FUNCTION, 0},
                                                       {"extra", SCN_ARG_TABLE, 0},
                                                       {NULL, 0, 0}};
static const struct scn_arg_spec *const fuzz_specs[] = {fuzz_spec_zone, fuzz_spec_fault,
                                                        fuzz_spec_signed};
#define FUZZ_NSPECS (sizeof(fuzz_specs) / sizeof(fuzz_specs[0]))

/* The scratch directory of every input (created once, emptied after each). */
static char fuzz_scratch[64];

/* What a check that passed promises about key s of the table at idx; aborts when broken. */
static void
fuzz_promise(lua_State *L, int idx, const struct scn_arg_spec *s)
{
    int t = lua_getfield(L, idx, s->sa_key);
    int ok = 1;

    if (t != LUA_TNIL) {
        double d = lua_tonumber(L, -1);
        switch (s->sa_type) {
        case SCN_ARG_NUMBER:
            ok = t == LUA_TNUMBER && ((s->sa_flags & SCN_ARG_SIGNED) || d >= 0);
            break;
        case SCN_ARG_INTEGER:
            ok = t == LUA_TNUMBER && isfinite(d) && floor(d) == d &&
                 ((s->sa_flags & SCN_ARG_SIGNED) || d >= 0);
            break;
        case SCN_ARG_STRING:
            ok = t == LUA_TSTRING;
            break;
        case SCN_ARG_BOOLEAN:
            ok = t == LUA_TBOOLEAN;
            break;
        default:
            break;
        }
    }
    lua_pop(L, 1);
    if (!ok) {
        fprintf(stderr, "fuzz_args: sim.check accepted key '%s' of a wrong value\n", s->sa_key);
        abort();
    }
}

/* sim.check(N, ARGS): the checks, then every getter on every key. */
static int
fuzz_check(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    const struct scn_arg_spec *spec = fuzz_specs[(lua_Unsigned)n % FUZZ_NSPECS];

    scn_args_check(L, 2, "sim.check", spec);
    for (const struct scn_arg_spec *s = spec; s->sa_key != NULL; s++) {
        if (lua_istable(L, 2))
            fuzz_promise(L, 2, s);
        (void)scn_args_number(L, 2, s->sa_key, -1);
        (void)scn_args_string(L, 2, s->sa_key, NULL);
        (void)scn_args_boolean(L, 2, s->sa_key, 0);
        (void)scn_args_has(L, 2, s->sa_key);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int
fuzz_print(lua_State *L)
{
    (void)L; /* a chunk's output is noise in the fuzzer's log */
    return 0;
}

static void
fuzz_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "fuzz: instruction budget spent");
}

static void
fuzz_open_sim(lua_State *L, struct scn_engine *e)
{
    static const luaL_Reg funcs[] = {
        {"check", fuzz_check}, {"limits", scn_lua_limits}, {NULL, NULL}};

    luaL_newlibtable(L, funcs);
    lua_pushlightuserdata(L, e);
    luaL_setfuncs(L, funcs, 1);
    lua_setglobal(L, "sim");
    lua_pushcfunction(L, fuzz_print);
    lua_setglobal(L, "print");
}

/* The engine's own, which the target does not link (engine.c starts worlds and agents). */
struct scn_engine *
scn_engine_get(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int
fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* Empties the scratch directory when an input wrote there. */
static void
fuzz_scratch_empty(void)
{
    DIR *d = opendir(fuzz_scratch);
    struct dirent *de;
    int any = 0;

    while (d != NULL && !any && (de = readdir(d)) != NULL)
        any = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    if (any)
        nftw(fuzz_scratch, fuzz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fuzz_scratch_remove(void)
{
    fuzz_scratch_empty();
    rmdir(fuzz_scratch);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (freopen("/dev/null", "r", stdin) == NULL) /* io.read() must not wait for a terminal */
        return -1;
    snprintf(fuzz_scratch, sizeof(fuzz_scratch), "/tmp/cmon-fuzz-args-XXXXXX");
    if (mkdtemp(fuzz_scratch) == NULL)
        return -1;
    atexit(fuzz_scratch_remove);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scn_run_limits run = {.rl_timeout_s = 60, .rl_max_memory_mb = FUZZ_MEMORY_MB};
    struct scn_limits lim;
    struct scn_engine e = {.se_limits = &lim, .se_seed = 1};

    snprintf(e.se_scratch, sizeof(e.se_scratch), "%s", fuzz_scratch);
    snprintf(e.se_dir, sizeof(e.se_dir), "%s", fuzz_scratch);
    snprintf(e.se_name, sizeof(e.se_name), "fuzz.lua");
    lua_State *L = scn_limits_state(&lim, &run, &e);
    if (L == NULL)
        return 0;
    scn_sandbox_open(L, &e);
    fuzz_open_sim(L, &e);
    lua_sethook(L, fuzz_hook, LUA_MASKCOUNT, FUZZ_INSTRUCTIONS);
    if (luaL_loadbufferx(L, (const char *)data, size, "=fuzz", "t") == LUA_OK)
        (void)lua_pcall(L, 0, 0, 0);
    lua_close(L);
    pthread_mutex_destroy(&lim.sl_lock);
    pthread_cond_destroy(&lim.sl_cond);
    fuzz_scratch_empty();
    return 0;
}
