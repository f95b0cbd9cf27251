/*
 * inventory_bench - the inventory's figures (a benchmark, not a test):
 *
 *   build/tools/bench-proxy-inventory [VMS [ACCOUNTS [CHANGES]]]
 *
 * A control plane of the test's kind (cplane_fixture) runs in a child process
 * with VMS instances (default 100,000) spread over ACCOUNTS accounts (default
 * 10: 10,000 each) and 10 compute nodes; this process holds the inventory
 * alone, so its RSS (/proc/self/status) is the inventory's. Prints: the time
 * of the first listing, RSS per instance, discovery render time of one
 * account (all, and with a groups filter), route look-ups per second, and
 * the apply rate of CHANGES feed changes (default 20,000, in bursts of 2,000).
 */
#include <jansson.h>
#include <malloc.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cplane_fixture.h"
#include "inventory.h"
#include "monotime.h"

#define BURST 2000
#define RENDERS 50

static unsigned long nvms = 100000, naccounts = 10, nchanges = 20000;

static void
account_id(char out[37], unsigned long a)
{
    cpfix_uuid(out, 0xacc, a);
}

/* The child: the control plane, then one burst of changes per line read on cmd. */
static void
child(int url_fd, FILE *cmd)
{
    cpfix_t *f = cpfix_start();
    char owner[37], server[37], vm[37], alias[32];
    if (f == NULL)
        exit(1);
    for (unsigned s = 0; s < 10; s++) {
        char host[16], agent[32];
        cpfix_uuid(server, 0xc, s);
        snprintf(host, sizeof(host), "cn%u", s);
        snprintf(agent, sizeof(agent), "127.0.0.1:%u", 9163 + s);
        cpfix_server_put(f, server, host, agent, 1);
    }
    for (unsigned long i = 0; i < nvms; i++) {
        cpfix_uuid(vm, 1, i * 2654435761UL % 0xffffffffffUL); /* spread over the uuid space */
        account_id(owner, i % naccounts);
        cpfix_uuid(server, 0xc, i % 10);
        snprintf(alias, sizeof(alias), "web-%lu", i);
        cpfix_vm_put(
            f, cpfix_vm_new(vm, owner, server, alias, "running", i % 3 ? "web,prod" : "db", NULL),
            0);
    }
    dprintf(url_fd, "%s\n", cpfix_url(f));
    close(url_fd);
    char line[64];
    for (unsigned long round = 0; fgets(line, sizeof(line), cmd) != NULL; round++) {
        for (unsigned long k = 0; k < BURST; k++) {
            unsigned long i = (round * BURST + k) % nvms;
            cpfix_uuid(vm, 1, i * 2654435761UL % 0xffffffffffUL);
            account_id(owner, i % naccounts);
            cpfix_uuid(server, 0xc, i % 10);
            snprintf(alias, sizeof(alias), "web-%lu-r%lu", i, round);
            cpfix_vm_put(f, cpfix_vm_new(vm, owner, server, alias, "running", "web", NULL), 1);
        }
    }
    cpfix_stop(f);
    exit(0);
}

static long
status_kb(const char *field)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    if (fp != NULL)
        fclose(fp);
    return kb;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
bench_render(inventory_t *inv, const char *query)
{
    char acct[37], err[256];
    double ms[RENDERS];
    size_t len = 0;
    inv_groups_t *g = NULL;
    account_id(acct, 0);
    if (inventory_groups_parse(query, &g, err, sizeof(err)) != 0)
        exit(1);
    for (int i = 0; i < RENDERS; i++) {
        double t0 = cmon_monotime_s();
        char *body = inventory_discover(inv, acct, g, &len);
        ms[i] = (cmon_monotime_s() - t0) * 1000;
        free(body);
    }
    inventory_groups_free(g);
    qsort(ms, RENDERS, sizeof(double), cmp_double);
    printf("discovery of one account (%lu instances, groups=%s): median %.2f ms, max %.2f ms, "
           "%zu bytes\n",
           nvms / naccounts, query ? query : "none", ms[RENDERS / 2], ms[RENDERS - 1], len);
}

static void
bench_routes(inventory_t *inv)
{
    char acct[37], vm[37];
    inv_route_t r;
    unsigned long ok = 0, n = 1000000;
    double t0 = cmon_monotime_s();
    for (unsigned long k = 0; k < n; k++) {
        unsigned long i = k * 7919 % nvms;
        cpfix_uuid(vm, 1, i * 2654435761UL % 0xffffffffffUL);
        account_id(acct, i % naccounts);
        ok += inventory_route(inv, vm, acct, 0, &r) == 0;
    }
    double s = cmon_monotime_s() - t0;
    printf("routes: %.0f look-ups/s (%.0f ns each, uuid parsing included), %lu of %lu found\n",
           n / s, s / n * 1e9, ok, n);
}

static void
bench_changes(inventory_t *inv, FILE *cmd)
{
    inv_stats_t st;
    inventory_stats(inv, &st);
    unsigned long long want = st.is_seq;
    struct timespec nap = {0, 1000000L};
    double t0 = cmon_monotime_s();
    for (unsigned long done = 0; done < nchanges; done += BURST) {
        fputs("burst\n", cmd);
        fflush(cmd);
        want += BURST;
        do {
            nanosleep(&nap, NULL);
            inventory_stats(inv, &st);
        } while (st.is_seq < want);
    }
    double s = cmon_monotime_s() - t0;
    printf("feed: %lu changes applied in %.2f s: %.0f changes/s (bursts of %d, the control "
           "plane's JSON and HTTP included), relists %llu\n",
           nchanges, s, nchanges / s, BURST, st.is_relists);
}

int
main(int argc, char **argv)
{
    int url_pipe[2], cmd_pipe[2];
    if (argc > 1)
        nvms = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        naccounts = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        nchanges = strtoul(argv[3], NULL, 10);
    if (nvms == 0 || naccounts == 0 || pipe(url_pipe) != 0 || pipe(cmd_pipe) != 0) {
        fprintf(stderr, "usage: %s [VMS [ACCOUNTS [CHANGES]]]\n", argv[0]);
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(url_pipe[0]);
        close(cmd_pipe[1]);
        child(url_pipe[1], fdopen(cmd_pipe[0], "r"));
    }
    close(url_pipe[1]);
    close(cmd_pipe[0]);
    FILE *cmd = fdopen(cmd_pipe[1], "w");
    char url[128] = "";
    FILE *uf = fdopen(url_pipe[0], "r");
    if (pid < 0 || fgets(url, sizeof(url), uf) == NULL) {
        fprintf(stderr, "the control plane did not start\n");
        return 1;
    }
    url[strcspn(url, "\n")] = '\0';

    long rss0 = status_kb("VmRSS");
    char err[512];
    inventory_opts_t o = {.io_cplane = url, .io_wait_ms = 1000};
    double t0 = cmon_monotime_s();
    inventory_t *inv = inventory_start(&o, err, sizeof(err));
    if (inv == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t_list = cmon_monotime_s() - t0;
    inv_stats_t st;
    inventory_stats(inv, &st);
    long rss1 = status_kb("VmRSS"), hwm = status_kb("VmHWM");
    malloc_trim(0);
    long rss_trim = status_kb("VmRSS");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("listing: %zu instances, %zu compute nodes in %.2f s (CPU of this process %.2f s)\n",
           st.is_vms, st.is_servers, t_list,
           ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    printf("memory: RSS %ld kB before, %ld kB after (peak %ld kB): %.0f bytes per instance\n", rss0,
           rss1, hwm, (rss1 - rss0) * 1024.0 / (double)(st.is_vms ? st.is_vms : 1));
    printf("memory after malloc_trim: RSS %ld kB: %.0f bytes per instance\n", rss_trim,
           (rss_trim - rss0) * 1024.0 / (double)(st.is_vms ? st.is_vms : 1));
    bench_render(inv, NULL);
    bench_render(inv, "db");
    bench_routes(inv);
    bench_changes(inv, cmd);
    printf("memory after the changes: RSS %ld kB (peak %ld kB)\n", status_kb("VmRSS"),
           status_kb("VmHWM"));
    inventory_stop(inv);
    fclose(cmd);
    waitpid(pid, NULL, 0);
    return 0;
}
