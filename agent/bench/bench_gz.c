/*
 * bench_gz - latency of one agent endpoint: N sequential GETs over one
 * keep-alive connection, reported as min/p50/p90/p99/max milliseconds and
 * the body size. A benchmark, not a test: run it several times on a quiet
 * machine (see agent/README.gz.md).
 *   bench_gz URL [N]
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    *(size_t *)arg += size * n;
    return size * n;
}

static int
cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench_gz URL [N]\n");
        return 2;
    }
    int n = argc == 3 ? atoi(argv[2]) : 50;
    if (n < 1) {
        fprintf(stderr, "bench_gz: bad N %s\n", argv[2]);
        return 2;
    }
    double *ms = calloc((size_t)n, sizeof(*ms));
    size_t bytes = 0;
    long code = 0;
    CURL *c = curl_easy_init();
    if (ms == NULL || c == NULL)
        return 1;
    curl_easy_setopt(c, CURLOPT_URL, argv[1]);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bytes);
    for (int i = 0; i < n; i++) {
        bytes = 0;
        double t0 = now_ms();
        if (curl_easy_perform(c) != CURLE_OK ||
            (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code), code != 200)) {
            fprintf(stderr, "bench_gz: GET %s failed (status %ld)\n", argv[1], code);
            return 1;
        }
        ms[i] = now_ms() - t0;
    }
    qsort(ms, (size_t)n, sizeof(*ms), cmp_dbl);
    printf("%s: n=%d bytes=%zu min=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f ms\n", argv[1], n,
           bytes, ms[0], ms[n / 2], ms[n * 9 / 10], ms[n * 99 / 100], ms[n - 1]);
    curl_easy_cleanup(c);
    free(ms);
    return 0;
}
