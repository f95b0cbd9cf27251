/* render_bench: the service time of GET /metrics without the network — the
 * registry of N gauge metrics (plus S sensors' built-in series) rendered
 * over and over; prints p50/p99/max in microseconds.
 * usage: telemetry_render_bench [GAUGES [SENSORS [ITERATIONS]]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe.h"
#include "registry.h"

static double
now_us(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *
make_config(int gauges, int sensors)
{
    sbuf_t b = SBUF_INIT;
    sbuf_adds(&b, "{telemetry: {metrics: [");
    for (int k = 0; k < gauges; k++)
        sbuf_addf(&b, "{namespace: \"bench\", name: \"g%d\", help: \"gauge %d\", type: \"gauge\"},",
                  k, k);
    sbuf_adds(&b, "], sensors: [");
    for (int k = 0; k < sensors; k++)
        sbuf_addf(&b, "{name: \"s%d\", type: \"gauge\", poll: 1, check: \"true\"},", k);
    sbuf_adds(&b, "]}}");
    return sbuf_detach(&b, NULL);
}

int
main(int argc, char **argv)
{
    int gauges = argc > 1 ? atoi(argv[1]) : 1000, sensors = argc > 2 ? atoi(argv[2]) : 0;
    int iters = argc > 3 ? atoi(argv[3]) : 10000;
    char *text = make_config(gauges, sensors), err[512];
    struct cfg cfg;
    struct registry reg;
    if (iters <= 0 || cfg_load_text("bench", text, strlen(text), &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "render_bench: %s\n", iters <= 0 ? "bad iterations" : err);
        return 2;
    }
    registry_init(&reg, &cfg);
    double *t = malloc(sizeof(double) * (size_t)iters),
           *cpu = malloc(sizeof(double) * (size_t)iters);
    sbuf_t out;
    sbuf_init(&out, 1 << 17);
    size_t bytes = 0;
    for (int i = 0; i < iters; i++) {
        pthread_mutex_lock(&reg.rg_lock);
        for (int k = 0; k < gauges; k++) /* every value changes between scrapes */
            registry_record_locked(&reg, (size_t)k, k + i * 0.001, 0, err, sizeof err);
        pthread_mutex_unlock(&reg.rg_lock);
        double t0 = now_us(CLOCK_MONOTONIC), c0 = now_us(CLOCK_THREAD_CPUTIME_ID);
        sbuf_reset(&out);
        registry_render(&reg, EXPO_TEXT, 0, &out);
        t[i] = now_us(CLOCK_MONOTONIC) - t0;
        cpu[i] = now_us(CLOCK_THREAD_CPUTIME_ID) - c0;
        bytes = out.sb_len;
    }
    qsort(t, (size_t)iters, sizeof(double), cmp);
    qsort(cpu, (size_t)iters, sizeof(double), cmp);
    printf("render of %d gauges + %d sensors (%zu bytes), %d times:\n"
           "  wall p50 %.1f us, p99 %.1f us, max %.1f us\n"
           "  cpu  p50 %.1f us, p99 %.1f us, max %.1f us\n",
           gauges, sensors, bytes, iters, t[iters / 2], t[iters * 99 / 100], t[iters - 1],
           cpu[iters / 2], cpu[iters * 99 / 100], cpu[iters - 1]);
    free(t);
    free(cpu);
    sbuf_release(&out);
    registry_free(&reg);
    cfg_free(&cfg);
    free(text);
    return 0;
}
