/*
 * runlimits.c - a scenario's wall-clock and memory limits (runlimits.h): the
 * counting allocator, the count hook, the watchdog thread and sim.limits.
 */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#include "agent.h"
#include "engine.h"
#include "runlimits.h"
#include "monotime.h"

enum { LIMIT_NONE, LIMIT_TIME, LIMIT_MEMORY };

/* Room for the limit's error and the clean-up once the memory limit was hit. */
#define LIMITS_SLACK (1u << 20)

/* ---- memory: the state's allocator ---------------------------------- */

static void limits_hit(struct scn_limits *l, int which);

static void *
limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct scn_limits *l = ud;
    size_t old = ptr != NULL ? osize : 0; /* without ptr, osize is a type tag */

    if (nsize == 0) {
        free(ptr);
        l->sl_used -= old;
        return NULL;
    }
    if (nsize > old && l->sl_used - old + nsize > l->sl_cap) {
        limits_hit(l, LIMIT_MEMORY); /* Lua raises "not enough memory"; the hook, ours */
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p != NULL)
        l->sl_used = l->sl_used - old + nsize;
    return p;
}

static int
limits_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "cmon-sim run: PANIC: unprotected error in call to Lua API (%s)\n",
            msg != NULL ? msg : "error object is not a string");
    return 0; /* abort */
}

/* lauxlib's warning function is static: warnings are off, as a scenario has no use for them. */
static void
limits_warn(void *ud, const char *msg, int tocont)
{
    (void)ud, (void)msg, (void)tocont;
}

lua_State *
scn_limits_state(struct scn_limits *l, const struct scn_run_limits *run, struct scn_engine *e)
{
    memset(l, 0, sizeof(*l));
    l->sl_run = *run;
    l->sl_timeout_s = run->rl_timeout_s;
    l->sl_max_memory_mb = run->rl_max_memory_mb;
    l->sl_cap = (size_t)(run->rl_max_memory_mb * 1048576.0);
    l->sl_engine = e;
    snprintf(l->sl_where, sizeof(l->sl_where), "%s", e->se_name);
    pthread_mutex_init(&l->sl_lock, NULL);
    pthread_cond_init(&l->sl_cond, NULL);
    lua_State *L = lua_newstate(limits_alloc, l);
    if (L != NULL) {
        lua_atpanic(L, limits_panic);
        lua_setwarnf(L, limits_warn, NULL);
    }
    return L;
}

/* ---- the messages ----------------------------------------------------- */

static void
limits_format(struct scn_limits *l, int which)
{
    if (which == LIMIT_TIME)
        snprintf(l->sl_msg, sizeof(l->sl_msg),
                 "%s: the scenario ran past its time limit of %g s (%s)", l->sl_where,
                 l->sl_timeout_s, l->sl_timeout_own ? "sim.limits" : "--timeout");
    else
        snprintf(l->sl_msg, sizeof(l->sl_msg),
                 "%s: the scenario used more than its memory limit of %g MB (%s)", l->sl_where,
                 l->sl_max_memory_mb, l->sl_memory_own ? "sim.limits" : "--max-memory");
}

/* The first limit hit stays; its message is made with the line last seen. */
static void
limits_hit(struct scn_limits *l, int which)
{
    if (l->sl_hit != LIMIT_NONE)
        return;
    l->sl_hit = which;
    l->sl_cap += LIMITS_SLACK;
    limits_format(l, which);
}

const char *
scn_limits_message(const struct scn_limits *l)
{
    return l->sl_hit != LIMIT_NONE ? l->sl_msg : NULL;
}

/* ---- time: the count hook --------------------------------------------- */

/* The limits of the state: the engine's upvalue is not reachable from a hook, the registry is. */
static const char limits_key = 'l';

static struct scn_limits *
limits_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &limits_key);
    struct scn_limits *l = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return l;
}

/* Remembers where Lua runs, for the message; at the first scenario line it is the file alone. */
static void
limits_note_where(struct scn_limits *l, lua_State *L, lua_Debug *ar)
{
    if (lua_getinfo(L, "Sl", ar) != 0 && ar->currentline > 0)
        snprintf(l->sl_where, sizeof(l->sl_where), "%s:%d", ar->short_src, ar->currentline);
}

static void
limits_hook(lua_State *L, lua_Debug *ar)
{
    struct scn_limits *l = limits_of(L);

    if (l == NULL)
        return;
    if (l->sl_hit == LIMIT_NONE)
        limits_note_where(l, L, ar);
    if (l->sl_hit == LIMIT_NONE && cmon_monotime_s() - l->sl_start > l->sl_timeout_s)
        limits_hit(l, LIMIT_TIME);
    if (l->sl_hit != LIMIT_NONE) {
        /* from now on at every instruction of this thread: a pcall in the scenario may catch
         * the error, but the code it returns to meets it again at once */
        lua_sethook(L, limits_hook, LUA_MASKCOUNT, 1);
        lua_pushstring(L, l->sl_msg);
        lua_error(L);
    }
}

/* ---- blocked in C: the watchdog ---------------------------------------- */

static int
limits_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/*
 * The scenario is still running SCN_LIMITS_GRACE_S after its deadline: the
 * hook never ran, so Lua is inside a C call that does not return. The main
 * thread cannot be unwound from here; the process ends, after removing what
 * the engine's clean-up would have (the agents get their parent-death
 * signal).
 */
/*
 * The innermost Lua line of L's stack. Read from the watchdog while the main
 * thread is inside a C call that does not return, so the call chain stands
 * still; lua_getstack and lua_getinfo("Sl") only read it, allocating nothing.
 */
static void
limits_blocked_where(struct scn_limits *l, lua_State *L)
{
    lua_Debug ar;

    for (int level = 0; L != NULL && lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) != 0 && ar.currentline > 0) {
            snprintf(l->sl_where, sizeof(l->sl_where), "%s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
}

static void
limits_kill_run(struct scn_limits *l)
{
    struct scn_engine *e = l->sl_engine;

    if (l->sl_hit == LIMIT_NONE)
        limits_blocked_where(l, e->se_L);
    limits_hit(l, LIMIT_TIME);
    fprintf(stderr, "%s, blocked in a call that does not return; stopping the run\n", l->sl_msg);
    /* the agents die with the process (their parent-death signal): what a
     * normal exit of theirs would remove goes now */
    for (const struct scn_agent *a = e->se_agents; a != NULL; a = a->ag_next)
        scn_agent_clock_unlink(a);
    if (e->se_world_path[0] != '\0')
        world_unlink(e->se_world_path);
    if (e->se_scratch[0] != '\0')
        nftw(e->se_scratch, limits_rm, 16, FTW_DEPTH | FTW_PHYS);
    _exit(2);
}

static void *
limits_watch(void *arg)
{
    struct scn_limits *l = arg;
    double end = l->sl_start + l->sl_timeout_s + SCN_LIMITS_GRACE_S;
    struct timespec ts;

    pthread_mutex_lock(&l->sl_lock);
    while (!l->sl_done) {
        /* the deadline may move closer (sim.limits): look again every second */
        double now = cmon_monotime_s();
        end = l->sl_start + l->sl_timeout_s + SCN_LIMITS_GRACE_S;
        if (now >= end)
            limits_kill_run(l);
        clock_gettime(CLOCK_REALTIME, &ts);
        double wait = fmin(1.0, end - now);
        ts.tv_sec += (time_t)wait;
        ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&l->sl_cond, &l->sl_lock, &ts);
    }
    pthread_mutex_unlock(&l->sl_lock);
    return NULL;
}

int
scn_limits_start(struct scn_limits *l, lua_State *L)
{
    lua_pushlightuserdata(L, l);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &limits_key);
    l->sl_start = cmon_monotime_s();
    lua_sethook(L, limits_hook, LUA_MASKCOUNT, SCN_LIMITS_HOOK_COUNT);
    int err = pthread_create(&l->sl_watchdog, NULL, limits_watch, l);
    if (err != 0) {
        errno = err;
        return -1;
    }
    l->sl_watching = 1;
    return 0;
}

void
scn_limits_stop(struct scn_limits *l)
{
    if (l->sl_watching) {
        pthread_mutex_lock(&l->sl_lock);
        l->sl_done = 1;
        pthread_cond_signal(&l->sl_cond);
        pthread_mutex_unlock(&l->sl_lock);
        pthread_join(l->sl_watchdog, NULL);
        l->sl_watching = 0;
    }
    pthread_mutex_destroy(&l->sl_lock);
    pthread_cond_destroy(&l->sl_cond);
}

/* ---- sim.limits --------------------------------------------------------- */

/* The new value of one limit: lower or equal, positive; luaL_error otherwise. */
static double
limits_lower(lua_State *L, const char *key, double now, const char *unit)
{
    double v = scn_args_number(L, 1, key, now);
    if (!(v > 0) || !isfinite(v))
        luaL_error(L, "sim.limits: key '%s' must be positive", key);
    if (v > now)
        luaL_error(L,
                   "sim.limits: %s %f %s is above the scenario's limit of %f %s: a scenario "
                   "may only lower its limits",
                   key, v, unit, now, unit);
    return v;
}

int
scn_lua_limits(lua_State *L)
{
    static const struct scn_arg_spec spec[] = {
        {"timeout", SCN_ARG_NUMBER, 0}, {"max_memory", SCN_ARG_NUMBER, 0}, {NULL, 0, 0}};
    struct scn_engine *e = scn_args_options(L, "sim.limits", spec);
    struct scn_limits *l = e->se_limits;

    double t = limits_lower(L, "timeout", l->sl_timeout_s, "s");
    double m = limits_lower(L, "max_memory", l->sl_max_memory_mb, "MB");
    l->sl_timeout_own |= scn_args_has(L, 1, "timeout");
    l->sl_memory_own |= scn_args_has(L, 1, "max_memory");
    pthread_mutex_lock(&l->sl_lock);
    l->sl_timeout_s = t;
    pthread_mutex_unlock(&l->sl_lock);
    l->sl_max_memory_mb = m;
    l->sl_cap = (size_t)(m * 1048576.0);
    if (l->sl_used > l->sl_cap)
        limits_hit(l, LIMIT_MEMORY);
    lua_pushnumber(L, t);
    lua_pushnumber(L, m);
    return 2;
}
