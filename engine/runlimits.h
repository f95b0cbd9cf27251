/*
 * runlimits.h - the bounds of one scenario: wall-clock time and Lua memory.
 *
 * `cmon-sim run --timeout S --max-memory MB` sets them for every scenario of
 * the run (defaults SCN_TIMEOUT_DEFAULT_S, SCN_MAX_MEMORY_DEFAULT_MB); a
 * scenario may lower its own with sim.limits{timeout = S, max_memory = MB},
 * never raise them. Past either, the scenario ends as broken (exit 2) with a
 * message naming it, the line it was running and the limit:
 *
 *   scenarios/x.lua:12: the scenario ran past its time limit of 600 s (--timeout)
 *   scenarios/x.lua:7: the scenario used more than its memory limit of 4096 MB (--max-memory)
 *
 * and the engine's usual clean-up (agents stopped, world and scratch
 * directory removed). How each is enforced:
 *   - memory: the state's allocator (lua_newstate) counts the bytes Lua holds
 *     and refuses an allocation past the limit;
 *   - time: a count hook checks the deadline every SCN_LIMITS_HOOK_COUNT VM
 *     instructions, in every coroutine (they inherit it);
 *   - once either is hit the hook raises the limit's error at every count, so
 *     a scenario's pcall cannot swallow it;
 *   - a scenario blocked in C (a read that never returns, a long C loop) is
 *     ended by a watchdog thread SCN_LIMITS_GRACE_S after the deadline: it
 *     says so on stderr, removes the world and the scratch directory and
 *     ends the process with status 2 (the agents die with it: they were
 *     started with a parent-death signal).
 */
#ifndef CMON_SCN_RUNLIMITS_H
#define CMON_SCN_RUNLIMITS_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>

#include <lua.h>

#define SCN_TIMEOUT_DEFAULT_S 600
#define SCN_MAX_MEMORY_DEFAULT_MB 4096
#define SCN_LIMITS_HOOK_COUNT 10000
#define SCN_LIMITS_GRACE_S 3

struct scn_engine;

/* The run's limits, from the command line. */
struct scn_run_limits {
    double rl_timeout_s;     /* > 0 */
    double rl_max_memory_mb; /* > 0 */
};

/* One scenario's limits and what the hook last saw. Owned by scn_engine_run_file(). */
struct scn_limits {
    struct scn_run_limits sl_run;
    double sl_timeout_s;     /* the scenario's, <= sl_run's */
    double sl_max_memory_mb; /* likewise */
    int sl_timeout_own;      /* 1: lowered by sim.limits */
    int sl_memory_own;
    double sl_start;              /* monotonic seconds */
    size_t sl_used;               /* bytes Lua holds */
    size_t sl_cap;                /* bytes it may hold (a little more once the limit was hit) */
    int sl_hit;                   /* 0, or which limit (enum in limits.c) */
    char sl_where[PATH_MAX + 16]; /* "file:line" the hook last saw Lua running */
    char sl_msg[PATH_MAX + 160];  /* the limit's message once hit */
    struct scn_engine *sl_engine;
    pthread_t sl_watchdog;
    pthread_mutex_t sl_lock; /* guards sl_done for the watchdog */
    pthread_cond_t sl_cond;
    int sl_done;
    int sl_watching;
};

/*
 * scn_limits_state() - a new Lua state whose allocator keeps l's memory limit,
 * with lauxlib's panic and warning behaviour; NULL when out of memory. l must
 * outlive the state.
 */
lua_State *scn_limits_state(struct scn_limits *l, const struct scn_run_limits *run,
                            struct scn_engine *e);

/*
 * scn_limits_start() - starts the clock: installs the count hook on L and the
 * watchdog thread. 0, or -1 when the thread cannot start (errno).
 */
int scn_limits_start(struct scn_limits *l, lua_State *L);

/* scn_limits_stop() - the scenario ended: stops and joins the watchdog. */
void scn_limits_stop(struct scn_limits *l);

/* scn_limits_message() - the limit's message once one was hit, else NULL. */
const char *scn_limits_message(const struct scn_limits *l);

/* scn_lua_limits() - sim.limits{timeout = S, max_memory = MB}: lowers the scenario's limits. */
int scn_lua_limits(lua_State *L);

#endif /* CMON_SCN_RUNLIMITS_H */
