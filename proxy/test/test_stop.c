/*
 * cmon-proxy stopped while scrapes are in flight: the program (not the
 * library) runs as a child against a control plane of the test's own whose
 * only compute node's agent never answers; three clients wait on scrapes
 * through it; SIGTERM must end it with exit status 0 within the wait's
 * bound (a hang is a failure), every client answered or closed. Under
 * ASan+UBSan the program's leak check at exit turns a leak into a non-zero
 * status, so the same test catches what the stop leaves behind.
 */
#include <CUnit/CUnit.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmon_spawn.h"
#include "cunit_main.h"
#include "fixtures.h"
#include "testpki.h"

#define SUFFIX "cmon.test"
#define ALICE "aaaaaaaa-0000-4000-8000-000000000001"
#define CN "c0000000-0000-4000-8000-000000000001"
#define VM "a1000000-0000-4000-8000-000000000001"
#define CLIENTS 3

static struct {
    char dir[64];
    fix_cplane_t *cplane;
    fix_agent_t *hang;
    unsigned port;
} W;

typedef struct client {
    pthread_t cl_thread;
    long cl_status; /* the HTTP status, 0 when the connection closed without one */
    CURLcode cl_res;
} client_t;

static size_t
discard(char *d, size_t s, size_t n, void *a)
{
    (void)d, (void)a;
    return s * n;
}

/* One scrape of VM as alice; waits at most 20 s (curl's bound). */
static void *
client_main(void *arg)
{
    client_t *cl = arg;
    char url[256], resolve[256], ca[128], cert[128], key[128];
    snprintf(url, sizeof(url), "https://" VM "." SUFFIX ":%u/metrics", W.port);
    snprintf(resolve, sizeof(resolve), VM "." SUFFIX ":%u:127.0.0.1", W.port);
    snprintf(ca, sizeof(ca), "%s/server.pem", W.dir);
    snprintf(cert, sizeof(cert), "%s/alice.pem", W.dir);
    snprintf(key, sizeof(key), "%s/alice-key.pem", W.dir);
    struct curl_slist *res = curl_slist_append(NULL, resolve);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, res);
    curl_easy_setopt(h, CURLOPT_CAINFO, ca);
    curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
    curl_easy_setopt(h, CURLOPT_SSLKEY, key);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    cl->cl_res = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &cl->cl_status);
    curl_easy_cleanup(h);
    curl_slist_free_all(res);
    return NULL;
}

/* The control plane: alice, her instance VM on CN, CN's agent the one that hangs. */
static int
world(void)
{
    char vms[512], servers[512], path[128], *cert = NULL, *key = NULL;
    if ((W.hang = fix_agent_start()) == NULL)
        return -1;
    fix_agent_mode(W.hang, AGENT_HANG);
    snprintf(vms, sizeof(vms),
             "{\"vms\":[{\"uuid\":\"" VM "\",\"owner_uuid\":\"" ALICE "\",\"server_uuid\":\"" CN
             "\",\"alias\":\"web0\",\"brand\":\"joyent\",\"image_uuid\":\"" VM
             "\",\"state\":\"running\",\"tags\":{}}],\"total\":1}");
    snprintf(servers, sizeof(servers),
             "{\"servers\":[{\"uuid\":\"" CN "\",\"hostname\":\"cn0\",\"admin_ip\":\"127.0.0.1\","
             "\"agent\":\"127.0.0.1:%u\"}]}",
             fix_agent_port(W.hang));
    if ((W.cplane = fix_cplane_start(vms, servers)) == NULL)
        return -1;
    EVP_PKEY *k = pki_key_new();
    char c[128], kp[128], *kj = pki_key_json(k), acct[2048];
    snprintf(c, sizeof(c), "%s/alice.pem", W.dir);
    snprintf(kp, sizeof(kp), "%s/alice-key.pem", W.dir);
    int rc = pki_cert("alice", k, k, 0, -60, 3600, c, kp);
    snprintf(acct, sizeof(acct),
             "{\"uuid\":\"" ALICE
             "\",\"login\":\"alice\",\"groups\":[],\"keys\":[%s],\"roles\":{}}",
             kj);
    fix_cplane_account(W.cplane, "alice", acct);
    free(kj);
    EVP_PKEY_free(k);
    if (rc != 0 || pki_server(SUFFIX, &cert, &key) != 0)
        rc = -1;
    snprintf(path, sizeof(path), "%s/server.pem", W.dir);
    rc |= cert != NULL ? pki_write(path, cert) : -1;
    snprintf(path, sizeof(path), "%s/server-key.pem", W.dir);
    rc |= key != NULL ? pki_write(path, key) : -1;
    free(cert);
    free(key);
    return rc;
}

/* The port of "listening on 127.0.0.1:PORT" in the child's log, 0 if it does not come. */
static unsigned
await_listening(const char *log, spawn_t *sp)
{
    for (int i = 0; i < 400 && spawn_reap(sp) == 0; i++) {
        char line[256];
        unsigned port = 0;
        FILE *f = fopen(log, "r");
        while (f != NULL && fgets(line, sizeof(line), f) != NULL && port == 0)
            sscanf(line, "listening on 127.0.0.1:%u", &port);
        if (f != NULL)
            fclose(f);
        if (port != 0)
            return port;
        usleep(25000);
    }
    return 0;
}

static void
test_sigterm_mid_scrape(void)
{
    char cert[128], key[128], log[128];
    snprintf(cert, sizeof(cert), "%s/server.pem", W.dir);
    snprintf(key, sizeof(key), "%s/server-key.pem", W.dir);
    snprintf(log, sizeof(log), "%s/proxy.log", W.dir);
    char *argv[] = {CMON_PROXY_BIN,
                    "--listen",
                    "127.0.0.1:0",
                    "--cert",
                    cert,
                    "--key",
                    key,
                    "--cplane",
                    (char *)fix_cplane_url(W.cplane),
                    "--upstream-timeout-ms",
                    "60000",
                    NULL};
    spawn_opts_t o = {.so_stderr = {.sio_kind = SPAWN_IO_FILE, .sio_path = log}};
    spawn_t sp = SPAWN_INIT;
    CU_ASSERT_EQUAL_FATAL(spawn_start(&sp, argv, &o), 0);
    W.port = await_listening(log, &sp);
    CU_ASSERT_NOT_EQUAL_FATAL(W.port, 0);
    client_t cl[CLIENTS];
    memset(cl, 0, sizeof(cl));
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&cl[i].cl_thread, NULL, client_main, &cl[i]);
    /* every scrape has reached the agent: in flight in the proxy */
    for (int i = 0; i < 800 && fix_agent_requests(W.hang) < CLIENTS; i++)
        usleep(25000);
    CU_ASSERT_EQUAL(fix_agent_requests(W.hang), CLIENTS);
    CU_ASSERT_EQUAL(spawn_signal(&sp, SIGTERM), 0);
    CU_ASSERT_EQUAL(spawn_wait(&sp, 10000), 1); /* not a hang */
    if (sp.sp_pid != 0)
        spawn_stop(&sp, 0);
    CU_ASSERT_TRUE(WIFEXITED(sp.sp_status));
    CU_ASSERT_EQUAL(WEXITSTATUS(sp.sp_status), 0); /* ASan: no leak either */
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(cl[i].cl_thread, NULL);
        /* answered 503 (the proxy is stopping) or closed: never a 200, never a hang */
        CU_ASSERT(cl[i].cl_status == 503 || (cl[i].cl_status == 0 && cl[i].cl_res != CURLE_OK));
        CU_ASSERT_NOT_EQUAL(cl[i].cl_res, CURLE_OPERATION_TIMEDOUT);
    }
    spawn_close(&sp);
    if (WEXITSTATUS(sp.sp_status) != 0) {
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "cat '%s' >&2", log);
        if (system(cmd) != 0)
            fprintf(stderr, "(no log)\n");
    }
}

static int
suite_init(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    snprintf(W.dir, sizeof(W.dir), "/tmp/proxystop.XXXXXX");
    return mkdtemp(W.dir) == NULL || world() != 0;
}

static int
suite_clean(void)
{
    fix_agent_stop(W.hang);
    fix_cplane_stop(W.cplane);
    curl_global_cleanup();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", W.dir);
    return system(cmd) == 0 ? 0 : 1;
}

static CU_TestInfo tests[] = {
    {"sigterm mid scrape", test_sigterm_mid_scrape},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    cunit_suite_t suites[] = {{"proxy stop", suite_init, suite_clean, tests},
                              {NULL, NULL, NULL, NULL}};
    return cunit_main_suites(argc, argv, suites);
}
