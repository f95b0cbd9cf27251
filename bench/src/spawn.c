/* spawn.c - child processes and free ports (see spawn.h). */
#include "spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "cmon_spawn.h"
#include "procstat.h"

/* Where one of the child's outputs goes: the file path, or /dev/null. */
static spawn_io_t
spawn_out_io(const char *path)
{
    return path != NULL ? (spawn_io_t){.sio_kind = SPAWN_IO_FILE, .sio_path = path}
                        : (spawn_io_t){.sio_kind = SPAWN_IO_NULL};
}

pid_t
child_start(char *const argv[], char *const env[], const char *out_path, const char *err_path)
{
    spawn_opts_t o = {.so_env = env,
                      .so_stdout = spawn_out_io(out_path),
                      .so_stderr = err_path != NULL ? spawn_out_io(err_path)
                                                    : (spawn_io_t){.sio_kind = SPAWN_IO_STDOUT},
                      .so_deathsig = SIGTERM};
    spawn_t sp;
    return spawn_start(&sp, argv, &o) == 0 ? sp.sp_pid : -1;
}

int
child_stop(pid_t pid, double grace_s)
{
    spawn_t sp = {.sp_pid = pid, .sp_out = -1, .sp_err = -1};
    if (pid <= 0)
        return -1;
    return spawn_stop(&sp, (int)(grace_s * 1000));
}

int
spawn_capture(char *const argv[], double timeout_s, char **out)
{
    spawn_opts_t o = {.so_stdout = {.sio_kind = SPAWN_IO_PIPE}, .so_deathsig = SIGTERM};
    spawn_capture_t c = {0};
    int status;

    if (spawn_run(argv, &o, (int)(timeout_s * 1000), &c, NULL, &status) != 0) {
        spawn_capture_release(&c);
        return -1;
    }
    *out = c.sc_buf != NULL ? c.sc_buf : strdup("");
    if (*out == NULL)
        return -1;
    return spawn_exit_code(status);
}

int
spawn_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int port = -1;

    if (fd < 0)
        return -1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int
spawn_wait_line(const char *path, pid_t pid, double timeout_s, char *line, size_t n)
{
    uint64_t end = clock_mono_ns() + (uint64_t)(timeout_s * 1e9);

    for (;;) {
        FILE *f = fopen(path, "re");
        if (f != NULL) {
            char *got = fgets(line, (int)n, f);
            fclose(f);
            if (got != NULL && strchr(line, '\n') != NULL) {
                line[strcspn(line, "\n")] = '\0';
                return 0;
            }
        }
        if (!procstat_alive(pid)) {
            errno = ESRCH;
            return -1;
        }
        if (clock_mono_ns() >= end) {
            errno = ETIMEDOUT;
            return -1;
        }
        clock_sleep_ns(20000000ull);
    }
}

int
spawn_self_dir(char *dir, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", dir, n - 1);

    if (len <= 0)
        return -1;
    dir[len] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    return 0;
}
