/* cmon-telemetry: ContainerPilot-compatible application telemetry.
 *   cmon-telemetry -config FILE [-socket PATH]
 *   cmon-telemetry -putmetric name=value [-putmetric name=value ...] [-socket PATH] */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "netif.h"
#include "probe.h"
#include "putmetric.h"
#include "registry.h"
#include "server.h"

#define TELEMETRY_DEFAULT_SOCKET "/var/run/containerpilot.socket"
#define TELEMETRY_MAX_PAIRS 256

/* Set by SIGTERM/SIGINT, read by the loop: a signal handler can only talk
 * to the rest of the program through a global. */
static volatile sig_atomic_t telemetry_stop;

struct opts {
    const char *op_config;
    const char *op_socket;
    const char *op_ready; /* -ready-file */
    char *op_pairs[TELEMETRY_MAX_PAIRS];
    size_t op_npairs;
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: cmon-telemetry -config FILE [-socket PATH]\n"
               "       cmon-telemetry -putmetric name=value [-putmetric name=value ...]"
               " [-socket PATH]\n"
               "  -config FILE     run the sensors and serve /metrics and /status\n"
               "  -putmetric N=V   record V for the configured metric N (repeatable)\n"
               "  -socket PATH     control socket (default: control.socket of the\n"
               "                   configuration, else " TELEMETRY_DEFAULT_SOCKET ")\n"
               "  with -putmetric, -config FILE only names the control socket\n"
               "  -ready-file PATH once listening, write http://ADDR:PORT to PATH (for\n"
               "                   harnesses; removed at exit)\n"
               "  -help            this text\n"
               "CONTAINERPILOT=FILE (or file://FILE) in the environment stands for -config.\n");
}

/* "-name", "--name", "-name=value": the value of flag `name`, or NULL. */
static const char *
flag_value(int argc, char **argv, int *k, const char *name)
{
    const char *a = argv[*k] + 1 + (argv[*k][1] == '-');
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != 0 || *k + 1 >= argc)
        return NULL;
    return argv[++*k];
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
    for (int k = 1; k < argc; k++) {
        const char *v;
        if (argv[k][0] != '-' && o->op_npairs > 0 && o->op_npairs < TELEMETRY_MAX_PAIRS) {
            o->op_pairs[o->op_npairs++] = argv[k];
        } else if (strcmp(argv[k], "-help") == 0 || strcmp(argv[k], "--help") == 0 ||
                   strcmp(argv[k], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (argv[k][0] != '-') {
            fprintf(stderr, "cmon-telemetry: unexpected argument \"%s\"\n", argv[k]);
            return -1;
        } else if ((v = flag_value(argc, argv, &k, "config")) != NULL) {
            o->op_config = v;
        } else if ((v = flag_value(argc, argv, &k, "socket")) != NULL) {
            o->op_socket = v;
        } else if ((v = flag_value(argc, argv, &k, "ready-file")) != NULL) {
            o->op_ready = v;
        } else if ((v = flag_value(argc, argv, &k, "putmetric")) != NULL &&
                   o->op_npairs < TELEMETRY_MAX_PAIRS) {
            o->op_pairs[o->op_npairs++] = (char *)v;
        } else {
            fprintf(stderr, "cmon-telemetry: unknown flag or missing value: %s\n", argv[k]);
            return -1;
        }
    }
    if (o->op_config == NULL && getenv("CONTAINERPILOT") != NULL && *getenv("CONTAINERPILOT")) {
        /* ContainerPilot's variable: a path, or a file:// URL (version 2) */
        const char *env = getenv("CONTAINERPILOT");
        o->op_config = strncmp(env, "file://", 7) == 0 ? env + 7 : env;
    }
    if (o->op_config == NULL && o->op_npairs == 0) {
        fprintf(stderr, "cmon-telemetry: give -config FILE or -putmetric name=value\n");
        return -1;
    }
    return 0;
}

/* ---- -putmetric --------------------------------------------------------- */

/* The control socket: -socket, else control.socket of -config, else the
 * default. Returns 0, or -1 (message printed) for a bad configuration. */
static int
putmetric_socket(const struct opts *o, char *sock, size_t len)
{
    snprintf(sock, len, "%s", o->op_socket ? o->op_socket : TELEMETRY_DEFAULT_SOCKET);
    if (o->op_socket != NULL || o->op_config == NULL)
        return 0;
    struct cfg cfg;
    char err[1024];
    if (cfg_load_file(o->op_config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return -1;
    }
    if (cfg.cf_socket != NULL)
        snprintf(sock, len, "%s", cfg.cf_socket);
    cfg_free(&cfg);
    return 0;
}

static int
run_putmetric(const struct opts *o)
{
    char err[512], sock[4096];
    char *body = putmetric_body(o->op_pairs, o->op_npairs, err, sizeof err);
    if (body == NULL) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return 2;
    }
    if (putmetric_socket(o, sock, sizeof sock) != 0) {
        free(body);
        return 2;
    }
    sbuf_t answer;
    sbuf_init(&answer, 256);
    long status = putmetric_post(sock, body, &answer, err, sizeof err);
    free(body);
    int rc = 0;
    if (status < 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        rc = 1;
    } else if (status != 200) {
        fprintf(stderr, "cmon-telemetry: putmetric refused (%ld): %s", status, answer.sb_buf);
        rc = 1;
    }
    sbuf_release(&answer);
    return rc;
}

/* ---- -config: the server ------------------------------------------------ */

static void
on_stop(int sig)
{
    (void)sig;
    telemetry_stop = 1;
}

/* Writes "http://ADDR:PORT\n" to path, whole or not at all (rename). */
static int
write_ready(const char *path, const char *listen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f != NULL && fprintf(f, "http://%s\n", listen) > 0;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "cmon-telemetry: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int
serve(const struct cfg *cfg, const char *sock, const char *ready)
{
    char err[512];
    struct sockaddr_storage addr;
    socklen_t alen;
    if (netif_resolve(cfg->cf_interfaces, cfg->cf_port, &addr, &alen, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return 1;
    }
    struct registry reg;
    struct prober pb = {0};
    struct server sv;
    sigset_t wait_mask;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (registry_init(&reg, cfg) != 0 || prober_signals_block(&wait_mask) != 0) {
        fprintf(stderr, "cmon-telemetry: cannot set up: %s\n", strerror(errno));
        return 1;
    }
    if (server_start(&sv, &reg, (struct sockaddr *)&addr, alen, sock, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        registry_free(&reg);
        return 1;
    }
    fprintf(stderr, "cmon-telemetry: listening on http://%s, control socket %s\n", sv.sv_listen,
            sock);
    int rc = ready != NULL ? write_ready(ready, sv.sv_listen) : 0;
    if (rc == 0)
        rc = prober_init(&pb, &reg, prober_now());
    while (rc == 0 && !telemetry_stop)
        prober_step(&pb, &wait_mask, 1.0);
    prober_free(&pb);
    if (ready != NULL)
        unlink(ready);
    server_stop(&sv);
    registry_free(&reg);
    return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    struct opts o = {0};
    if (parse_args(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (o.op_npairs > 0)
        return run_putmetric(&o);
    struct cfg cfg;
    char err[1024];
    if (cfg_load_file(o.op_config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "cmon-telemetry: %s\n", err);
        return 2;
    }
    const char *sock = o.op_socket     ? o.op_socket
                       : cfg.cf_socket ? cfg.cf_socket
                                       : TELEMETRY_DEFAULT_SOCKET;
    int rc = serve(&cfg, sock, o.op_ready);
    cfg_free(&cfg);
    return rc;
}
