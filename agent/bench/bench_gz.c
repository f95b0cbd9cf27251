/*
 * bench_gz - latency of one agent endpoint: N sequential GETs over one
 * keep-alive connection, reported as min/p50/p90/p99/max milliseconds and
 * the body size. A benchmark, not a test: run it several times on a quiet
 * machine (see agent/README.gz.md).
 *   bench_gz URL [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fetch.h"
#include "monotime.h"

static int
cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
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
    fetch_t *f = fetch_new(); /* one keep-alive connection for every GET */
    struct fetch_req q = {.rq_url = argv[1], .rq_use_proxy = 1};
    struct fetch_resp r = {0};
    if (ms == NULL || f == NULL)
        return 1;
    for (int i = 0; i < n; i++) {
        double t0 = cmon_monotime_s();
        if (fetch_perform(f, &q, &r) != 0 || r.rs_status != 200) {
            if (r.rs_status != 0)
                fprintf(stderr, "bench_gz: GET %s answered %ld\n", argv[1], r.rs_status);
            else
                fprintf(stderr, "bench_gz: %s\n", r.rs_error);
            return 1;
        }
        ms[i] = (cmon_monotime_s() - t0) * 1e3;
    }
    qsort(ms, (size_t)n, sizeof(*ms), cmp_dbl);
    printf("%s: n=%d bytes=%zu min=%.2f p50=%.2f p90=%.2f p99=%.2f max=%.2f ms\n", argv[1], n,
           r.rs_len, ms[0], ms[n / 2], ms[n * 9 / 10], ms[n * 99 / 100], ms[n - 1]);
    fetch_resp_release(&r);
    fetch_free(f);
    free(ms);
    return 0;
}
