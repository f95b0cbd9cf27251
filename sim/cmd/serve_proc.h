/*
 * serve_proc.h - the child processes of `cmon-sim serve --cns` (node serves,
 * agents, proxies): started with one of stdout/stderr on a pipe that the
 * orchestrator reads line by line (readiness lines, logs to pass on), the
 * other inherited; PR_SET_PDEATHSIG so none outlives the orchestrator.
 */
#ifndef CMON_SERVE_PROC_H
#define CMON_SERVE_PROC_H

#include <stddef.h>

#include "cmon_spawn.h"

#define CNS_LINE_MAX 1024

typedef struct cns_proc {
    spawn_t cp_sp; /* sp_pid 0 when not running */
    int cp_out;    /* pipe we read: stdout or stderr; -1 closed */
    char cp_buf[CNS_LINE_MAX];
    size_t cp_len;
} cns_proc_t;

/*
 * cns_proc_spawn() - starts argv with fd `which` (1: stdout, 2: stderr) on a
 * pipe we read and the other one inherited; env (may be NULL) is one more
 * NAME=VALUE. 0, or -1 after saying why on stderr.
 */
int cns_proc_spawn(cns_proc_t *p, char **argv, int which, const char *env);

/*
 * cns_proc_read() - reads what p printed without blocking; calls line(ctx,
 * text) for each whole line (a line longer than CNS_LINE_MAX comes in
 * pieces). Returns 0, or 1 at end of file (the pipe is closed).
 */
int cns_proc_read(cns_proc_t *p, void (*line)(void *, const char *), void *ctx);

/* cns_proc_signal() - sends sig to p's group when it runs. */
void cns_proc_signal(cns_proc_t *p, int sig);

/* cns_proc_reap() - waits for p until the monotonic deadline (seconds); 1 when it is gone. */
int cns_proc_reap(cns_proc_t *p, double deadline);

#endif /* CMON_SERVE_PROC_H */
