/*
 * serve_proc.c - the child processes of serve --cns (serve_proc.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monotime.h"
#include "serve_proc.h"

int
cns_proc_spawn(cns_proc_t *p, char **argv, int which, const char *env)
{
    char *envv[] = {(char *)env, NULL};
    spawn_io_t pipe = {.sio_kind = SPAWN_IO_PIPE}, ours = {.sio_kind = SPAWN_IO_INHERIT};
    spawn_opts_t o = {.so_env = env != NULL ? envv : NULL,
                      .so_stdout = which == 1 ? pipe : ours,
                      .so_stderr = which == 2 ? pipe : ours,
                      .so_deathsig = SIGTERM};
    if (spawn_start(&p->cp_sp, argv, &o) != 0) {
        fprintf(stderr, "cmon-sim: cannot run %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    p->cp_out = which == 1 ? p->cp_sp.sp_out : p->cp_sp.sp_err;
    p->cp_sp.sp_out = p->cp_sp.sp_err = -1; /* ours to close now */
    p->cp_len = 0;
    return 0;
}

int
cns_proc_read(cns_proc_t *p, void (*line)(void *, const char *), void *ctx)
{
    for (;;) {
        ssize_t r = read(p->cp_out, p->cp_buf + p->cp_len, sizeof(p->cp_buf) - 1 - p->cp_len);
        if (r <= 0) {
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
            close(p->cp_out);
            p->cp_out = -1;
            return 1;
        }
        p->cp_len += (size_t)r;
        char *nl;
        while ((nl = memchr(p->cp_buf, '\n', p->cp_len)) != NULL ||
               p->cp_len == sizeof(p->cp_buf) - 1) {
            size_t n = nl ? (size_t)(nl - p->cp_buf) : p->cp_len;
            p->cp_buf[n] = '\0';
            line(ctx, p->cp_buf);
            size_t used = nl ? n + 1 : n;
            memmove(p->cp_buf, p->cp_buf + used, p->cp_len - used);
            p->cp_len -= used;
        }
    }
}

void
cns_proc_signal(cns_proc_t *p, int sig)
{
    spawn_signal(&p->cp_sp, sig);
}

int
cns_proc_reap(cns_proc_t *p, double deadline)
{
    double left = deadline - cmon_monotime_s();
    if (spawn_wait(&p->cp_sp, left > 0 ? (int)(left * 1000) : 0) == 0)
        return 0;
    if (p->cp_out >= 0) {
        close(p->cp_out);
        p->cp_out = -1;
    }
    return 1;
}
