/*
 * engine.h - private contracts of the scenario engine (engine/).
 *
 * One scenario file runs in one sandboxed lua_State with one world, one
 * scratch directory and the agents it starts; struct scn_engine holds them.
 * The engine travels to every Lua C function as an upvalue (a light
 * userdata), never through a global. Names: scn_<object>_<verb> for C
 * helpers, lsim_* for functions that are only opened into Lua.
 */
#ifndef CMON_SCN_ENGINE_H
#define CMON_SCN_ENGINE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <lua.h>

#include "world.h"

/* The wall clock at virtual time 0: 2026-01-01T00:00:00Z, fixed so that the
 * same seed gives the same time_of_day everywhere. */
#define SCN_EPOCH 1767225600LL

struct scn_report;
struct scn_agent;
struct scn_history;
struct scn_dc;

struct scn_engine {
    lua_State *se_L;
    struct scn_report *se_report; /* shared by every scenario of a run */
    world_t *se_world;            /* NULL until the first world call */
    char se_world_path[PATH_MAX]; /* /dev/shm/cmon-scenario-XXXXXX */
    char se_scratch[64];          /* the only place scenarios may write (/tmp/...) */
    char se_clock_path[PATH_MAX]; /* libfaketime timestamp file */
    char se_bindir[PATH_MAX];     /* where cmon-agent lives */
    char se_dir[PATH_MAX];        /* the scenario's own directory (real path) */
    char se_name[PATH_MAX];       /* the scenario as reports name it: never absolute */
    char se_name_dir[PATH_MAX];   /* se_name's folder with its '/', or "" */
    uint64_t se_seed;
    uint32_t se_max_zones;          /* world capacity (sim.world{} or default) */
    uint32_t se_ncpus;              /* CPUs of the node (sim.world{ncpus=}; 0: the world's 16) */
    struct scn_agent *se_agents;    /* every agent started, running or not */
    struct scn_history *se_history; /* truth snapshots for sim.verify */
    int se_progress;                /* draw progress bars (stderr is a tty) */
    uint64_t se_gen;                /* bumped by every change the engine makes to the world */
    struct vminfod *se_vminfod;     /* the fake vminfod (vmlua.h), NULL until first used */
    struct coresvc *se_coresvc;     /* core zones' ports (corelua.h), NULL until first used */
    struct scn_dc *se_dc;           /* sim.proxy's data center (proxylua.h), NULL until made */
    struct scn_limits *se_limits;   /* time and memory limits (runlimits.h) */
};

/* ---- engine.c: running one scenario --------------------------------- */

/* scn_engine_get() - the engine of the running C function (upvalue 1). */
struct scn_engine *scn_engine_get(lua_State *L);

/* scn_engine_world() - the world, created on first use (luaL_error if it cannot be). */
world_t *scn_engine_world(lua_State *L, struct scn_engine *e);

/* scn_engine_run_file() - runs one scenario file. Returns 0 ok (checks may
 * have failed: see the report), 2 broken scenario or set-up failure. */
struct scn_run_limits;
int scn_engine_run_file(struct scn_report *rep, const char *path, uint64_t seed, int progress,
                        int quiet, const struct scn_run_limits *limits);

/* ---- args.c: checking the tables given to sim calls ------------------ */

enum scn_arg_type {
    SCN_ARG_NUMBER,  /* any number, >= 0 unless SCN_ARG_SIGNED */
    SCN_ARG_INTEGER, /* integral number, >= 0 unless SCN_ARG_SIGNED */
    SCN_ARG_STRING,
    SCN_ARG_BOOLEAN,
    SCN_ARG_TABLE,
    SCN_ARG_FUNCTION,
    SCN_ARG_ANY
};
#define SCN_ARG_SIGNED 0x1 /* negative numbers allowed */

struct scn_arg_spec {
    const char *sa_key;
    enum scn_arg_type sa_type;
    int sa_flags;
};

/*
 * scn_args_check() - the table at idx has only keys of spec (an array ended
 * by a NULL sa_key), each of its type; else luaL_error "CALL: unknown key
 * 'k'" / "CALL: key 'k' must be a T, got U" / "CALL: key 'k' must not be
 * negative". A missing or nil idx is an empty table. Never returns on error.
 */
void scn_args_check(lua_State *L, int idx, const char *call, const struct scn_arg_spec *spec);

/*
 * scn_args_options() - the start of a sim.X{...} call: its argument 1 must
 * be a table (luaL_checktype) of only spec's keys (scn_args_check, as
 * call). Returns the engine (scn_engine_get). Never returns on error.
 */
struct scn_engine *scn_args_options(lua_State *L, const char *call,
                                    const struct scn_arg_spec *spec);

/* The keys of sim.fault{} and of an attached data center's dc:fault{}
 * (args.c): module, error, rate, latency_us, zone, vanish. */
extern const struct scn_arg_spec scn_fault_spec[];

/* Getters after scn_args_check(): the field's value or dflt when absent. */
double scn_args_number(lua_State *L, int idx, const char *key, double dflt);
const char *scn_args_string(lua_State *L, int idx, const char *key, const char *dflt);
int scn_args_boolean(lua_State *L, int idx, const char *key, int dflt);
/* scn_args_has() - 1 if the table at idx has a non-nil key. */
int scn_args_has(lua_State *L, int idx, const char *key);

/* ---- sandbox.c -------------------------------------------------------- */

/*
 * scn_sandbox_open() - opens the standard libraries into L and takes away
 * what a scenario must not do: os.execute/exit/remove/rename/tmpname,
 * io.popen/tmpfile, C modules (package.loadlib, cpath searchers), binary
 * chunks, the debug library but traceback. io.open and io.output write only
 * inside e->se_scratch; require finds Lua files next to the scenario
 * (e->se_dir) and names them as the scenario is named (e->se_name_dir).
 */
void scn_sandbox_open(lua_State *L, struct scn_engine *e);

/* scn_sandbox_writable() - 1 if path is inside dir (resolving its parent). */
int scn_sandbox_writable(const char *dir, const char *path);

/* scn_sandbox_loadfile() - loads the text chunk in file path as Lua does
 * (a first line starting with # skipped), named chunkname ("@file" for
 * file:line in messages). Returns lua_load's status; on failure the error
 * message is on the stack. */
int scn_sandbox_loadfile(lua_State *L, const char *path, const char *chunkname);

/* ---- report.c: checks, failures, JUnit -------------------------------- */

/* The unit of a report is the check: each check() call is one test; a
 * scenario that breaks is one more, failed, test (a JUnit <error>). */

/* scn_report_new() - an empty report; NULL with ENOMEM. */
struct scn_report *scn_report_new(void);
void scn_report_free(struct scn_report *r);

/* scn_report_begin() - starts the suite of a scenario file: path as named on
 * the command line (the console's verdict line), name its relative name
 * (the JUnit suite and class name). */
void scn_report_begin(struct scn_report *r, const char *path, const char *name);
/* scn_report_check() - records one check at where ("file:line", file
 * relative); prints the failure line (the first few per site, then a count). */
void scn_report_check(struct scn_report *r, const char *where, const char *msg, int ok);
/* scn_report_output() - keeps len bytes the scenario printed (the first
 * MiB per scenario) for the JUnit <system-out>. */
void scn_report_output(struct scn_report *r, const char *text, size_t len);
/* scn_report_error() - the scenario broke: kind is a short fixed sentence
 * (the JUnit message), msg the message and traceback (printed to stderr). */
void scn_report_error(struct scn_report *r, const char *kind, const char *msg);
/* scn_report_end() - closes the suite: a suite without a check and without
 * an error gets the error "the scenario made no checks" (printed, naming the
 * file). Prints its one-line verdict unless quiet. */
void scn_report_end(struct scn_report *r, double seconds, int quiet);
/* scn_report_totals() - checks passed and failed, scenarios broken, in the run.
 * The run's tests are passed + failed + errors. */
void scn_report_totals(const struct scn_report *r, unsigned long *passed, unsigned long *failed,
                       unsigned long *errors);
/* scn_report_junit() - writes JUnit XML to path, mode 0644, through a
 * temporary file renamed into place. Returns 0, or -1 with errno. */
int scn_report_junit(const struct scn_report *r, const char *path);

/* ---- progress.c -------------------------------------------------------- */

/* scn_progress() - draws "label [####    ] done/total" on stderr when the
 * engine draws progress bars; done == total clears the line. */
void scn_progress(struct scn_engine *e, const char *label, size_t done, size_t total);

/* ---- clock.c: the agents' virtual clock through libfaketime ------------ */

/* scn_clock_write() - writes the absolute timestamp SCN_EPOCH + ns into
 * path (temporary file + rename, so a reader never sees half of it).
 * Returns 0 or -1 with errno. */
int scn_clock_write(const char *path, uint64_t ns);
/* scn_clock_format() - the libfaketime timestamp for virtual ns into buf. */
void scn_clock_format(uint64_t ns, char *buf, size_t len);

/* ---- lua_*.c: the libraries opened into the scenario's state ---------- */

void scn_lua_open_sim(lua_State *L, struct scn_engine *e);   /* sim.*, zones */
void scn_lua_open_attach(lua_State *L, struct scn_engine *e); /* sim.attach (on the sim table) */
void scn_lua_open_agent(lua_State *L, struct scn_engine *e); /* sim.agent, scrapes */
void scn_lua_open_check(lua_State *L, struct scn_engine *e); /* check, conformance, print */
void scn_lua_open_wait(lua_State *L, struct scn_engine *e);  /* sim.sleep, sim.wait_until */

/* scn_zone_check() - the zix of the zone userdata at idx (luaL_argerror otherwise). */
int scn_zone_check(lua_State *L, int idx);
/* scn_zone_name() - the zonename of the zone userdata at idx, destroyed or
 * not (and its slot in *zix if not NULL); NULL if idx is no zone. */
const char *scn_zone_name(lua_State *L, int idx, int *zix);
/* scn_zone_push() - pushes the zone userdata of zix (one per zix, cached). */
void scn_zone_push(lua_State *L, struct scn_engine *e, int zix);
/* scn_lua_zone_set_counter() - z:set_counter(module, stat, value [, nic]) (lua_counter.c). */
int scn_lua_zone_set_counter(lua_State *L);
/* scn_lua_zone_drop_kstat() - z:drop_kstat(module) (lua_kdrop.c). */
int scn_lua_zone_drop_kstat(lua_State *L);
/* scn_lua_zfs_fault() - sim.zfs_fault{rate=, zone=} (lua_zfs_fault.c). */
int scn_lua_zfs_fault(lua_State *L);
#define SCN_ZONE_MT "cmon.zone"
#define SCN_AGENT_MT "cmon.agent"
#define SCN_RESPONSE_MT "cmon.response"

/* scn_agent_new() - a stopped process record for program bin (a name in the
 * engine's bin directory, or a path), owned by the engine; luaL_error naming
 * call on failure. scn_agent_args() - copies the strings of the list at tidx
 * (0: none) into its arguments. scn_agent_push() - starts it and pushes its
 * userdata (luaL_error with the reason if it cannot start). */
struct scn_agent *scn_agent_new(lua_State *L, struct scn_engine *e, const char *call,
                                const char *bin);
void scn_agent_args(lua_State *L, struct scn_agent *a, int tidx, const char *call);
void scn_agent_push(lua_State *L, struct scn_agent *a, const char *call);
/* scn_agent_of() - the agent of the agent userdata at idx, NULL if it is none. */
struct scn_agent *scn_agent_of(lua_State *L, int idx);
/* scn_lua_agent_new() - sim.agent{args=} (upvalue 1 the engine): pushes a started agent. */
int scn_lua_agent_new(lua_State *L);
/* scn_lua_open_process() - adds sim.process and sim.exec to the table on top. */
void scn_lua_open_process(lua_State *L, struct scn_engine *e);

/* scn_lua_open_node() - adds sim.pool, sim.pools, sim.arc, sim.metaslab(s) to the table on top. */
void scn_lua_open_node(lua_State *L, struct scn_engine *e);
/* scn_lua_open_ntp() - adds sim.ntp, ntp_down, ntp_up, ntp_truth and sim.ntpq (lua_ntp.c). */
void scn_lua_open_ntp(lua_State *L, struct scn_engine *e);
/* scn_lua_open_plugin() - adds sim.plugin (lua_plugin.c) to the table on top. */
void scn_lua_open_plugin(lua_State *L, struct scn_engine *e);

/* scn_agents_stop_all() - stops every agent of the engine (any exit path);
 * scn_agents_free_all() - then frees them, once Lua holds none (after lua_close). */
void scn_agents_free_all(struct scn_engine *e);
void scn_agents_stop_all(struct scn_engine *e);

#endif /* CMON_SCN_ENGINE_H */
