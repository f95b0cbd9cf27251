/*
 * agent.h - the real cmon-agent as a child process: on a free loopback
 * port, against the scenario's world (CMON_SIM_WORLD), under libfaketime
 * with the engine's clock file, its output in a log in the scratch dir.
 */
#ifndef CMON_SCN_AGENT_H
#define CMON_SCN_AGENT_H

#include <limits.h>
#include <sys/types.h>

#include "cmon_spawn.h"

/* The multithreaded variant: the agent reads its clock from many threads. */
#define SCN_FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
#define SCN_AGENT_ARGS_MAX 32

struct scn_agent {
    struct scn_agent *ag_next; /* the engine's list */
    spawn_t ag_sp;             /* sp_pid 0 when not running; sp_status: the last exit */
    int ag_port;
    char ag_url[64]; /* http://127.0.0.1:PORT */
    char ag_bin[PATH_MAX];
    char ag_log[PATH_MAX];
    char ag_world[PATH_MAX];
    char ag_clock[PATH_MAX];
    int ag_argc; /* extra arguments */
    char *ag_argv[SCN_AGENT_ARGS_MAX];
    double ag_ttl;     /* --cache-ttl, seconds (virtual) */
    int ag_prom_names; /* --metric-names prometheus */
    int ag_real_clock; /* no libfaketime: the process keeps the real clock (sim.proxy) */
    int ag_generic;    /* sim.process: no --listen; "{port}" in an argument becomes the port */
    int ag_want_port;  /* sim.process{port=true}: pick a port and wait until it listens */
    int ag_fixed_port; /* sim.process{port=N}: that port only, no other on failure */
    char ag_name[64];  /* argv[0] */
};

/*
 * scn_agent_start() - starts a (ag_bin, ag_argv... set; ag_port 0: pick a
 * free one) and waits until it accepts connections. Returns 0, or -1 with
 * a one-line reason in err (the agent exited: its status and last log line).
 */
int scn_agent_start(struct scn_agent *a, char *err, size_t errlen);

/* scn_agent_stop() - SIGTERM, then SIGKILL after a grace period; reaps it.
 * Returns the exit status (128+signal if killed), or -1 if it was not running. */
int scn_agent_stop(struct scn_agent *a);

/* scn_agent_clock_unlink() - removes the names of the semaphore and shared
 * memory libfaketime made for a running agent's children, which a killed
 * agent would leave in /dev/shm (agent.c). Any thread; reads a only. */
void scn_agent_clock_unlink(const struct scn_agent *a);

/* scn_agent_free() - stops a if running and frees its strings and itself. */
void scn_agent_free(struct scn_agent *a);

/* scn_agent_running() - 1 if the process is still alive (reaps it if not). */
int scn_agent_running(struct scn_agent *a);

#endif /* CMON_SCN_AGENT_H */
