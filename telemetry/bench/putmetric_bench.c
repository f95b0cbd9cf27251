/* putmetric_bench: the round trip of `containerpilot -putmetric` as a sensor
 * script pays it — start the command, connect to the control socket, POST,
 * read the answer, exit — against a reference in the same run: starting
 * and waiting for /bin/true (the cost of any command a script runs). The
 * two take turns, one of each per iteration, so the machine's load falls on
 * both alike. Prints p50/p99/max in milliseconds of each and their ratio.
 * usage: telemetry_putmetric_bench CONTAINERPILOT SOCKET METRIC [ITERATIONS] */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs argv to its end; its wall time in ms, or -1 when it failed. */
static double
timed_run(char *const argv[])
{
    pid_t pid;
    int status;
    double t0 = now_ms();
    if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0 ||
        waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return now_ms() - t0;
}

static double
pct(const double *sorted, int n, double p)
{
    int k = (int)(p * n + 0.5) - 1;
    return sorted[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void
report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("%-28s p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", what, pct(v, n, 0.5), pct(v, n, 0.99),
           v[n - 1]);
}

int
main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: telemetry_putmetric_bench CONTAINERPILOT SOCKET METRIC "
                        "[ITERATIONS]\n");
        return 2;
    }
    int n = argc > 4 ? atoi(argv[4]) : 2000;
    if (n < 1 || n > 1000000)
        return 2;
    char pair[256];
    snprintf(pair, sizeof pair, "%s=1", argv[3]);
    char *put[] = {argv[1], "-socket", argv[2], "-putmetric", pair, NULL};
    char *ref[] = {"/bin/true", NULL};
    double *tp = calloc((size_t)n, sizeof *tp), *tr = calloc((size_t)n, sizeof *tr);
    if (tp == NULL || tr == NULL)
        return 1;
    for (int k = 0; k < n; k++) {
        tr[k] = timed_run(ref);
        tp[k] = timed_run(put);
        if (tp[k] < 0 || tr[k] < 0) {
            fprintf(stderr, "putmetric_bench: run %d failed\n", k);
            return 1;
        }
    }
    report("containerpilot -putmetric", tp, n);
    report("/bin/true (reference)", tr, n);
    printf("ratio of p99s: %.2f (%d runs of each, taking turns)\n",
           pct(tp, n, 0.99) / pct(tr, n, 0.99), n);
    free(tp);
    free(tr);
    return 0;
}
