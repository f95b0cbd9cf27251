/* spawn.c - child processes and free ports (see spawn.h). */
#include "spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "procstat.h"

/* In the child: die with the parent, take the environment entries, exec. */
static void
spawn_child_exec(char *const argv[], char *const env[], int outfd, int errfd)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (outfd >= 0)
        dup2(outfd, 1);
    if (errfd >= 0)
        dup2(errfd, 2);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        putenv(env[i]);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int
spawn_open_out(const char *path)
{
    return open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

pid_t
spawn_start(char *const argv[], char *const env[], const char *out_path, const char *err_path)
{
    int fd = spawn_open_out(out_path);
    int efd = err_path != NULL ? spawn_open_out(err_path) : fd;
    pid_t pid = -1;

    if (fd >= 0 && efd >= 0) {
        pid = fork();
        if (pid == 0)
            spawn_child_exec(argv, env, fd, efd);
    }
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (efd >= 0 && efd != fd)
        close(efd);
    errno = saved;
    return pid;
}

int
spawn_stop(pid_t pid, double grace_s)
{
    uint64_t end = clock_mono_ns() + (uint64_t)(grace_s * 1e9);
    int status;

    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        if (clock_mono_ns() >= end)
            break;
        clock_sleep_ns(10000000ull);
    }
    kill(pid, SIGKILL);
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

/* Read the pipe until EOF or the deadline. Returns 0, or -1 with errno. */
static int
spawn_read_all(int fd, uint64_t end, char **out)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);

    if (buf == NULL)
        return -1;
    for (;;) {
        uint64_t now = clock_mono_ns();
        struct pollfd p = {fd, POLLIN, 0};
        if (now >= end || poll(&p, 1, (int)((end - now) / 1000000ull) + 1) == 0) {
            free(buf);
            errno = ETIMEDOUT;
            return -1;
        }
        if (len + 4096 > cap) {
            char *nb = realloc(buf, cap *= 2);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    return 0;
}

int
spawn_capture(char *const argv[], double timeout_s, char **out)
{
    int p[2], status;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        spawn_child_exec(argv, NULL, -1, -1);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    int rc = spawn_read_all(p[0], clock_mono_ns() + (uint64_t)(timeout_s * 1e9), out);
    int saved = errno;
    close(p[0]);
    if (rc < 0) {
        spawn_stop(pid, 1.0);
        errno = saved;
        return -1;
    }
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
