/*
 * proc.h - child processes for scenarios (sim.process, sim.run): a program
 * started with an argv and an environment, stdin /dev/null, its output in
 * files, in a process group of its own, killed if the engine dies
 * (PR_SET_PDEATHSIG). Unlike agents, they run on real time: libfaketime and
 * the engine's preload are taken out of their environment.
 */
#ifndef CMON_SCN_PROC_H
#define CMON_SCN_PROC_H

#include <stddef.h>
#include <sys/types.h>

#define SCN_PROC_STOP_GRACE_S 10.0 /* SIGTERM, then SIGKILL after this */

/*
 * scn_proc_env() - the environment for a child: environ without
 * LD_PRELOAD and FAKETIME*, without any variable named in set or unset, then
 * the "KEY=VALUE" strings of set. set and unset are NULL-terminated (either
 * may be NULL). Returns a malloc'd NULL-terminated array of pointers into
 * environ and set (the strings are not copied: free only the array), or
 * NULL with ENOMEM.
 */
char **scn_proc_env(char *const set[], char *const unset[]);

/*
 * scn_proc_spawn() - starts path with argv and env in directory dir (NULL: ours;
 * the child exits 127 if it cannot go there); stdout goes to out
 * (created 0644, appended), stderr to err (NULL: the same file as out).
 * Returns the pid, or -1 with errno (nothing started). A program that
 * cannot be executed exits 127 with a line on its stderr.
 */
pid_t scn_proc_spawn(const char *path, char *const argv[], char *const env[], const char *dir,
                     const char *out, const char *err);

/*
 * scn_proc_wait() - waits up to timeout seconds (< 0: no limit) for pid to
 * exit and reaps it. Returns 1 exited (*status: its wait status), 0 still
 * running at the deadline, -1 with errno (not our child).
 */
int scn_proc_wait(pid_t pid, double timeout, int *status);

/*
 * scn_proc_stop() - SIGTERM to pid, SIGKILL to its process group after
 * grace seconds, and reaps it. Returns the exit code (scn_proc_code), or -1
 * with errno if pid is not a child of ours.
 */
int scn_proc_stop(pid_t pid, double grace, int *status);

/*
 * scn_proc_kill() - SIGKILL to pid and its process group at once, and
 * reaps it. Returns the exit code (128+9 unless it had exited already), or
 * -1 with errno if pid is not a child of ours.
 */
int scn_proc_kill(pid_t pid, int *status);

/* scn_proc_code() - the exit code of a wait status: the status, or 128+signal. */
int scn_proc_code(int status);

#endif /* CMON_SCN_PROC_H */
