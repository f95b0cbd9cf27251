/*
 * cmon_spawn.h - child processes: start a program in a process group of its
 * own, signal the whole group, wait for it with a deadline, stop it (SIGTERM,
 * a grace period, SIGKILL), reap it without blocking, and collect what it
 * printed. (Not "spawn.h": that name is the system's posix_spawn header, and
 * common/ is on every program's include path.)
 *
 * Invariants:
 *   - A started child is the leader of a new process group (setpgid), or of
 *     a new session (SPAWN_NEW_SESSION): its group id is its pid, so
 *     spawn_signal() reaches it and everything it forked that stayed in the
 *     group (a shell script's children). A grandchild that calls setsid()
 *     itself has left the group and is out of reach.
 *   - A group never outlives its leader: spawn_reap(), spawn_wait() and
 *     spawn_stop() SIGKILL what is left of the group once the leader has
 *     exited, before they reap it (while the leader is an unreaped zombie the
 *     group id cannot be taken by anyone else, so the signal cannot hit a
 *     stranger).
 *   - Every deadline (timeout_ms) is kept by a kernel timer (realtimer.h): it
 *     passes in real time even where the process's clocks are frozen (the
 *     scenario engine's libfaketime), so a hanging child is still stopped.
 *   - sp_pid is the child while it has not been reaped, 0 after; sp_status
 *     holds the wait status once reaped. Nothing here reaps any other child.
 *   - The child starts with every signal at its default action and none
 *     blocked, whatever the parent ignores, handles or blocks; but for
 *     glibc's own two (32 and 33: its SIGRTMIN is 34), which glibc's
 *     posix_spawn leaves ignored and which no glibc program can use.
 *   - spawn_start() returns only once the child has exec()ed or failed to:
 *     a program that cannot run (missing, not executable, an output file
 *     that cannot be opened) is an error of spawn_start(), never a child
 *     that exits 127.
 *   - Everything the child needs (path, environment, files) is prepared
 *     before the child exists; the child makes only async-signal-safe
 *     calls, so multithreaded programs may spawn.
 *   - The child is started by posix_spawn(), which copies nothing of the
 *     parent's memory (a start costs the same however big the parent is);
 *     only one with so_deathsig is fork()ed (prctl runs in the child).
 *   - Children are always waitable: a process that inherited SIGCHLD
 *     ignored (or SA_NOCLDWAIT) gets the default back at its first
 *     spawn_start(), or the kernel would reap its children for it.
 *
 * Errors: functions returning int give 0 or more on success and -1 with
 * errno set on failure; on a failed spawn_start() no child is left and no
 * descriptor is open.
 */
#ifndef CMON_SPAWN_H
#define CMON_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Where one of the child's stdin, stdout, stderr goes. */
typedef enum spawn_io_kind {
    SPAWN_IO_INHERIT = 0, /* the parent's own descriptor (the default) */
    SPAWN_IO_NULL,        /* /dev/null */
    SPAWN_IO_PIPE,        /* stdout/stderr only: a pipe, read end in sp_out/sp_err */
    SPAWN_IO_FD,          /* a duplicate of sio_fd (the caller keeps sio_fd) */
    SPAWN_IO_FILE,        /* sio_path: stdin read, stdout/stderr appended (created 0644) */
    SPAWN_IO_STDOUT       /* stderr only: wherever stdout goes (one pipe for both) */
} spawn_io_kind_t;

typedef struct spawn_io {
    spawn_io_kind_t sio_kind;
    int sio_fd;           /* SPAWN_IO_FD */
    const char *sio_path; /* SPAWN_IO_FILE */
} spawn_io_t;

/* so_flags */
#define SPAWN_NEW_SESSION 0x1 /* setsid() rather than setpgid(): no controlling tty */

/* How to start a child. All zero: argv[0] from PATH, our environment, our stdio. */
typedef struct spawn_opts {
    /* The program file; NULL: argv[0]. A name without '/' is looked up in PATH. */
    const char *so_path;
    /*
     * Changes to our environment, NULL-terminated, applied in order:
     * "NAME=VALUE" sets NAME (replacing ours), "NAME" removes it, "PREFIX*"
     * removes every variable whose name starts with PREFIX. NULL: ours as is.
     */
    char *const *so_env;
    spawn_io_t so_stdin, so_stdout, so_stderr;
    int so_deathsig; /* 0, or the signal the child gets when our thread dies (prctl) */
    unsigned so_flags;
} spawn_opts_t;

/* A started child: filled by spawn_start(), or SPAWN_INIT for none yet
 * (all zeros is not "none": 0 is a descriptor). */
typedef struct spawn {
    pid_t sp_pid;  /* the child and its process group; 0 once reaped */
    int sp_out;    /* read end of its stdout pipe (non-blocking, close-on-exec), or -1 */
    int sp_err;    /* read end of its stderr pipe, or -1 */
    int sp_status; /* its wait status once reaped, else 0 */
} spawn_t;

#define SPAWN_INIT                                                                                 \
    {                                                                                              \
        .sp_pid = 0, .sp_out = -1, .sp_err = -1, .sp_status = 0                                    \
    }

/*
 * spawn_start() - starts argv (NULL-terminated; argv[0] is what the child
 * sees as its name) as opts say (NULL: all defaults) and fills *sp. Returns
 * 0, or -1 with errno: ENOENT/EACCES/ENOEXEC... the program cannot run,
 * EINVAL for a stdio choice that makes no sense (a pipe or SPAWN_IO_STDOUT
 * on stdin), or the error of the pipe, open or fork that failed. On failure
 * *sp is left with sp_pid 0 and no pipe.
 */
int spawn_start(spawn_t *sp, char *const argv[], const spawn_opts_t *opts);

/*
 * spawn_signal() - sends sig to the child's whole process group. Returns 0,
 * or -1 with errno ESRCH when the child has been reaped (sp_pid is 0) or
 * the group is gone.
 */
int spawn_signal(const spawn_t *sp, int sig);

/*
 * spawn_reap() - never blocks: if the child has exited, kills the rest of
 * its group, reaps it and sets sp_status and sp_pid = 0. Returns 1 when it
 * is reaped (also when it already was), 0 while it runs, or -1 with errno
 * (ECHILD: someone else reaped it; sp_pid is then 0 and sp_status -1).
 */
int spawn_reap(spawn_t *sp);

/*
 * spawn_wait() - waits up to timeout_ms (< 0: forever) for the child to
 * exit, then reaps it as spawn_reap() does. Returns 1 reaped, 0 still
 * running at the deadline, or -1 with errno as spawn_reap().
 */
int spawn_wait(spawn_t *sp, int timeout_ms);

/*
 * spawn_stop() - stops the child: SIGTERM to its group, waits up to
 * grace_ms for the leader to exit, then SIGKILL to the group (the leader
 * if it is still there, and whatever it left) and reaps it. Blocks at most
 * grace_ms plus the time a SIGKILLed process takes to die. Closes its pipes.
 * Returns the wait status (also in sp_status), or -1 with errno (ESRCH:
 * not running, already reaped: then nothing is touched; ECHILD: someone
 * else reaped it).
 */
int spawn_stop(spawn_t *sp, int grace_ms);

/* spawn_close() - closes the pipes still open (sp_out, sp_err become -1). */
void spawn_close(spawn_t *sp);

/*
 * spawn_exit_code() - a wait status as a shell reports it: the exit status
 * (0..255), or 128 + the signal that killed it.
 */
int spawn_exit_code(int status);

/* ---- collecting output ---------------------------------------------- */

/*
 * What a child printed on one pipe. sc_max (set by the caller, 0: no limit)
 * caps what is kept: bytes past it are read and dropped, and sc_truncated
 * set. sc_buf is malloc'd and NUL-terminated once anything was collected
 * (NULL before); free it with spawn_capture_release().
 */
typedef struct spawn_capture {
    char *sc_buf;
    size_t sc_len;
    size_t sc_max;
    int sc_truncated;
    size_t sc_cap; /* bytes allocated at sc_buf (kept by the functions here) */
} spawn_capture_t;

/*
 * spawn_collect() - reads sp_out into out and sp_err into err (NULL: read
 * and dropped) until both are at end of file or timeout_ms (< 0: no limit)
 * has passed. A pipe at end of file is closed. Returns 0 at end of file on
 * both, or -1 with errno ETIMEDOUT (what came so far is kept; the pipes
 * stay open) or ENOMEM. It neither waits for nor signals the child.
 */
int spawn_collect(spawn_t *sp, spawn_capture_t *out, spawn_capture_t *err, int timeout_ms);

/* spawn_capture_release() - frees sc_buf and empties c (sc_max is kept). */
void spawn_capture_release(spawn_capture_t *c);

/*
 * spawn_run() - runs argv to its end: spawn_start() with opts, then
 * spawn_collect() into out and err within timeout_ms (< 0: no limit), then
 * reaps it; at the deadline the group is SIGKILLed and reaped. Set
 * so_stdout/so_stderr to SPAWN_IO_PIPE for what you want collected.
 * Returns 0 with the wait status in *status, or -1 with errno: ETIMEDOUT
 * (killed; *status holds the status of the kill, the output so far is
 * kept) or the error of spawn_start().
 */
int spawn_run(char *const argv[], const spawn_opts_t *opts, int timeout_ms, spawn_capture_t *out,
              spawn_capture_t *err, int *status);

#endif /* CMON_SPAWN_H */
