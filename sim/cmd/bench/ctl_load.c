/*
 * ctl_load.c - build/tools/ctl-load: a steady load of control requests on a
 * serve's socket, and how long each took to be applied and answered.
 *
 *   ctl-load SOCKET RATE SECONDS [UUID]
 *
 * Open loop over one keep-alive connection: request i is due at start + i/RATE
 * and its latency counts from then (a stall of serve shows in every request
 * that waited behind it). The requests take turns: faults/set of a latency of
 * 1 us on the tcp kstat of zone UUID (default: every zone's), then faults/clear
 * of it: each one a change serve's tick thread applies to the world. Prints one
 * line: requests, errors, achieved rate, p50, p99 and max latency in ms.
 * Exit 0, 1 when a request failed, 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "monotime.h"

#define CTL_LOAD_MAX 1000000

static int
ctl_load_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
ctl_load_sleep_until(double t)
{
    double now = cmon_monotime_s();

    if (t > now) {
        struct timespec ts = {(time_t)(t - now), (long)((t - now - (time_t)(t - now)) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* Request i's body: a set or a clear, on uuid's tcp kstat (or every zone's). */
static json_t *
ctl_load_body(long i, const char *uuid, const char **path)
{
    *path = i % 2 ? "/v1/faults/clear" : "/v1/faults/set";
    json_t *b = i % 2 ? json_pack("{ss}", "module", "tcp")
                      : json_pack("{sssi}", "module", "tcp", "latency_us", 1);
    if (uuid != NULL)
        json_object_set_new(b, "zone", json_string(uuid));
    return b;
}

int
main(int argc, char **argv)
{
    char err[1024];
    double rate, secs;

    if (argc < 4 || argc > 5 || (rate = atof(argv[2])) <= 0 || (secs = atof(argv[3])) <= 0 ||
        rate * secs > CTL_LOAD_MAX) {
        fprintf(stderr, "usage: ctl-load SOCKET RATE SECONDS [UUID] (at most %d requests)\n",
                CTL_LOAD_MAX);
        return 2;
    }
    ctl_client_t *c = ctl_client_open(argv[1], err, sizeof(err));
    if (c == NULL) {
        fprintf(stderr, "ctl-load: %s\n", err);
        return 1;
    }
    long n = (long)(rate * secs), errors = 0;
    double *lat = malloc((size_t)n * sizeof(*lat)), start = cmon_monotime_s();
    for (long i = 0; lat != NULL && i < n; i++) {
        double due = start + (double)i / rate;
        const char *path;
        json_t *reply = NULL, *body = ctl_load_body(i, argc == 5 ? argv[4] : NULL, &path);
        long status = 0;
        ctl_load_sleep_until(due);
        if (ctl_client_call(c, "POST", path, body, &status, &reply, err, sizeof(err)) != 0 ||
            status != 200)
            errors++;
        lat[i] = (cmon_monotime_s() - due) * 1e3;
        json_decref(body);
        json_decref(reply);
    }
    double took = cmon_monotime_s() - start;
    ctl_client_close(c);
    if (lat == NULL)
        return 1;
    qsort(lat, (size_t)n, sizeof(*lat), ctl_load_cmp);
    printf("requests %ld errors %ld rate %.1f p50_ms %.3f p99_ms %.3f max_ms %.3f\n", n, errors,
           (double)n / took, lat[n / 2], lat[(size_t)((double)n * 0.99)], lat[n - 1]);
    free(lat);
    return errors ? 1 : 0;
}
