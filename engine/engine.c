/*
 * engine.c - one scenario file, start to end: a scratch directory, a
 * sandboxed Lua state with the sim libraries, the file run under lua_pcall
 * with a traceback handler, and on every path out: agents stopped, world
 * file removed, scratch directory removed.
 */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "engine.h"
#include "runlimits.h"
#include "proxylua.h"
#include "corelua.h"
#include "vmlua.h"
#include "monotime.h"
#include "verify.h"

#define ENGINE_DEFAULT_ZONES 2048

/* The state being run, for the signal handler: lua.c's way of turning ^C
 * into a Lua error (lua_sethook is safe to call from a signal handler), so
 * that an interrupted scenario still stops its agents and removes its world.
 * It must be global because a signal handler has no other context. */
static lua_State *volatile engine_signal_state = NULL;

struct scn_engine *
scn_engine_get(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

world_t *
scn_engine_world(lua_State *L, struct scn_engine *e)
{
    if (e->se_world != NULL)
        return e->se_world;
    world_params_t p = {.wp_seed = e->se_seed,
                        .wp_max_zones = e->se_max_zones,
                        .wp_ncpus = e->se_ncpus,
                        .wp_epoch = SCN_EPOCH};
    if (p.wp_max_zones == 0)
        p.wp_max_zones = ENGINE_DEFAULT_ZONES;
    e->se_world = world_create(e->se_world_path, &p);
    if (e->se_world == NULL)
        luaL_error(L, "cannot create the world %s: %s", e->se_world_path, strerror(errno));
    if (scn_clock_write(e->se_clock_path, 0) != 0)
        luaL_error(L, "cannot write %s: %s", e->se_clock_path, strerror(errno));
    return e->se_world;
}

static void
engine_on_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

static void
engine_on_signal(int sig)
{
    lua_State *L = engine_signal_state;
    signal(sig, SIG_DFL); /* a second ^C ends the process */
    if (L != NULL)
        lua_sethook(L, engine_on_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int
engine_traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static int
engine_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Prepares paths: scratch dir, world path, clock file, dirs. -1 with the reason in err. */
static int
engine_paths(struct scn_engine *e, const char *path, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    if (realpath(path, buf) == NULL) {
        snprintf(err, errlen, "cmon-sim run: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    snprintf(e->se_dir, sizeof(e->se_dir), "%s", dirname(buf));
    snprintf(e->se_scratch, sizeof(e->se_scratch), "/tmp/cmon-scenario-XXXXXX");
    if (mkdtemp(e->se_scratch) == NULL) {
        snprintf(err, errlen, "cmon-sim run: cannot create a scratch directory: %s",
                 strerror(errno));
        e->se_scratch[0] = '\0';
        return -1;
    }
    snprintf(e->se_clock_path, sizeof(e->se_clock_path), "%s/.faketime", e->se_scratch);
    snprintf(e->se_world_path, sizeof(e->se_world_path), "/dev/shm/cmon-scenario-XXXXXX");
    int fd = mkstemp(e->se_world_path); /* reserves a unique name; world_create replaces it */
    if (fd < 0) {
        snprintf(err, errlen, "cmon-sim run: cannot create a world file: %s", strerror(errno));
        e->se_world_path[0] = '\0';
        return -1;
    }
    close(fd);
    return 0;
}

/*
 * The scenario's name in reports: as named when relative (without a leading
 * "./"), its file name when absolute, so that JUnit names and "file:line"
 * never depend on where the checkout is. se_name_dir is its folder, the
 * prefix of the files it requires.
 */
static void
engine_name(struct scn_engine *e, const char *path)
{
    const char *name = path;
    if (path[0] == '/')
        name = strrchr(path, '/') + 1;
    while (strncmp(name, "./", 2) == 0)
        name += 2;
    snprintf(e->se_name, sizeof(e->se_name), "%s", name[0] != '\0' ? name : "(no file name)");
    const char *slash = strrchr(e->se_name, '/');
    int dirlen = slash != NULL ? (int)(slash - e->se_name) + 1 : 0;
    snprintf(e->se_name_dir, sizeof(e->se_name_dir), "%.*s", dirlen, e->se_name);
}

static void
engine_bindir(struct scn_engine *e)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(e->se_bindir, sizeof(e->se_bindir), "%s", n > 0 ? dirname(exe) : ".");
}

static void
engine_cleanup(struct scn_engine *e)
{
    scn_agents_stop_all(e);
    scn_dc_stop(e); /* the control plane, once its proxy is stopped */
    scn_vminfod_stop(e);
    scn_coresvc_stop(e);
    if (e->se_L != NULL) {
        engine_signal_state = NULL;
        lua_close(e->se_L); /* frees the agents' and zones' userdata */
    }
    scn_agents_free_all(e);
    if (e->se_world != NULL)
        world_close(e->se_world);
    if (e->se_world_path[0] != '\0')
        world_unlink(e->se_world_path); /* with its side files (.zfs, .ntp) */
    if (e->se_scratch[0] != '\0')
        nftw(e->se_scratch, engine_rm, 16, FTW_DEPTH | FTW_PHYS);
    scn_history_free(e->se_history);
}

static lua_State *
engine_state(struct scn_engine *e, const struct scn_run_limits *limits)
{
    lua_State *L = scn_limits_state(e->se_limits, limits, e);
    if (L == NULL)
        return NULL;
    scn_sandbox_open(L, e);
    scn_lua_open_sim(L, e);
    scn_lua_open_agent(L, e);
    scn_lua_open_check(L, e);
    scn_lua_open_wait(L, e);
    return L;
}

/*
 * A scenario that stopped with an error; past a limit, the limit's message
 * (a memory error raised inside Lua carries none of its own: "not enough
 * memory"), with the traceback when the hook raised it.
 */
static void
engine_report_failure(struct scn_engine *e, const char *msg)
{
    const char *limit = scn_limits_message(e->se_limits);
    char buf[8192];

    if (limit != NULL && (msg == NULL || strcmp(msg, "not enough memory") == 0))
        msg = limit; /* raised by Lua itself, as the allocator refused */
    if (limit != NULL && strstr(msg, limit) == NULL) {
        snprintf(buf, sizeof(buf), "%s\n(then: %s)", limit, msg != NULL ? msg : "no message");
        msg = buf;
    }
    scn_report_error(
        e->se_report,
        limit != NULL ? "the scenario hit a limit" : "the scenario stopped with an error", msg);
}

/* Loads and runs path in e's state; 0, or 2 with the error reported. */
static int
engine_exec(struct scn_engine *e, const char *path)
{
    lua_State *L = e->se_L;
    lua_pushcfunction(L, engine_traceback);
    lua_pushfstring(L, "@%s", e->se_name);
    int loaded = scn_sandbox_loadfile(L, path, lua_tostring(L, -1));
    lua_remove(L, -2); /* the chunk name */
    if (loaded != LUA_OK) {
        scn_report_error(e->se_report, "the scenario does not load", lua_tostring(L, -1));
        return 2;
    }
    if (scn_limits_start(e->se_limits, L) != 0) {
        scn_report_error(e->se_report, "the scenario could not be set up",
                         "cmon-sim run: cannot start the watchdog of its time limit");
        return 2;
    }
    engine_signal_state = L;
    int rc = lua_pcall(L, 0, 0, -2);
    engine_signal_state = NULL;
    scn_limits_stop(e->se_limits);
    lua_sethook(L, NULL, 0, 0); /* no limit applies to the clean-up */
    if (rc != LUA_OK) {
        engine_report_failure(e, lua_tostring(L, -1));
        return 2;
    }
    return 0;
}

int
scn_engine_run_file(struct scn_report *rep, const char *path, uint64_t seed, int progress,
                    int quiet, const struct scn_run_limits *limits)
{
    struct scn_limits lim = {0};
    struct scn_engine e = {
        .se_report = rep, .se_seed = seed, .se_progress = progress, .se_limits = &lim};
    double t0 = cmon_monotime_s();
    int rc = 2;
    engine_name(&e, path);
    scn_report_begin(rep, path, e.se_name);
    engine_bindir(&e);
    char err[PATH_MAX + 128];
    if (engine_paths(&e, path, err, sizeof(err)) != 0) {
        scn_report_error(rep, "the scenario could not be set up", err);
    } else if ((e.se_history = scn_history_new()) == NULL ||
               (e.se_L = engine_state(&e, limits)) == NULL) {
        scn_report_error(rep, "the scenario could not be set up",
                         "cannot create a Lua state: out of memory");
    } else {
        void (*old_int)(int) = signal(SIGINT, engine_on_signal);
        void (*old_term)(int) = signal(SIGTERM, engine_on_signal);
        rc = engine_exec(&e, path);
        signal(SIGINT, old_int);
        signal(SIGTERM, old_term);
    }
    engine_cleanup(&e);
    scn_report_end(rep, cmon_monotime_s() - t0, quiet);
    return rc;
}
