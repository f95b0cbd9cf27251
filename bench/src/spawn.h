/*
 * spawn.h - the programs cmon-bench starts (world server, agent, nginx,
 * gnuplot): start, stop, capture output, and pick free loopback ports.
 * Children are started by common/cmon_spawn.h, each in a process group of
 * its own; every child gets SIGTERM if cmon-bench dies, so none is left
 * behind.
 */
#ifndef CMON_BENCH_SPAWN_H
#define CMON_BENCH_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Start argv[0] (a path, or a name looked up in PATH) with argv, extra
 * environment entries env ("K=V", NULL-terminated, may be NULL), stdout
 * appended to out_path (/dev/null when NULL) and stderr to err_path (NULL:
 * the same file as stdout). Returns the pid, or -1 with errno.
 */
pid_t child_start(char *const argv[], char *const env[], const char *out_path,
                  const char *err_path);

/*
 * Stop a child of child_start(): SIGTERM to its group, wait up to grace_s,
 * then SIGKILL. Reaps it. Returns its wait status, or -1 if it was not our
 * child any more.
 */
int child_stop(pid_t pid, double grace_s);

/*
 * Run argv to completion within timeout_s, its stdout collected into *out
 * (malloc'd, NUL-terminated; the caller frees it). stderr goes to ours.
 * Returns its exit status (0..255), or -1 with errno (ETIMEDOUT: killed).
 */
int spawn_capture(char *const argv[], double timeout_s, char **out);

/* A loopback TCP port that was free a moment ago (bind to port 0). Returns it, or -1. */
int spawn_free_port(void);

/*
 * Wait until file path holds a complete first line, at most timeout_s, while
 * process pid lives. Copies the line without newline into line (n bytes).
 * Returns 0, or -1 (errno ETIMEDOUT, or ESRCH when the process exited).
 */
int spawn_wait_line(const char *path, pid_t pid, double timeout_s, char *line, size_t n);

/* Directory of the running program (from /proc/self/exe) into dir. Returns 0 or -1. */
int spawn_self_dir(char *dir, size_t n);

#endif
