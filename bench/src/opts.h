/* opts.h - cmon-bench's command line. Parsing only: no I/O besides the message. */
#ifndef CMON_BENCH_OPTS_H
#define CMON_BENCH_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#define OPTS_MAX_SWEEP 32
#define OPTS_MAX_AGENT_ARGS 16
#define OPTS_MAX_RESOLVE 16
#define OPTS_MAX_FAULTS 16

enum opts_sweep_key { OPTS_SWEEP_NONE, OPTS_SWEEP_ZONES, OPTS_SWEEP_CONCURRENCY, OPTS_SWEEP_RATE };

/* The reference server run beside the one under test. */
enum opts_reference {
    OPTS_REF_NONE = 0,
    OPTS_REF_NGINX,       /* nginx serving the bytes of sample scrapes */
    OPTS_REF_NGINX_PROXY, /* nginx terminating TLS in front of the same agent */
    OPTS_REF_VERSUS,      /* --versus-template: a running server of the same instances */
};

struct opts {
    long op_zones;               /* --zones N: world size (default 100) */
    int op_concurrency;          /* --concurrency C (default 4) */
    double op_duration_s;        /* --duration S (default 10) */
    double op_warmup_s;          /* --warmup S (default 2) */
    int op_rounds;               /* --rounds N: alternate agent and reference N times (1) */
    double op_rate;              /* --rate R: open loop; 0 = closed loop */
    double op_timeout_s;         /* --timeout S: per request (default 5) */
    uint64_t op_seed;            /* --seed S (default 1) */
    int op_gzip;                 /* --gzip: Accept-Encoding: gzip, bodies left compressed */
    int op_openmetrics;          /* --openmetrics: Accept: application/openmetrics-text */
    int op_gz;                   /* --gz: scrape /v1/gz/metrics */
    const char *op_url;          /* --url: a running agent (http:// or https://); NULL = ours */
    const char *op_url_template; /* --url-template: "https://{uuid}.SUFFIX:PORT/metrics" */
    const char *op_zones_file;   /* --zones-file FILE */
    const char *op_world;        /* --world PATH: with --url, the world to list */
    long op_pid;                 /* --pid PID: with --url, the agent to watch; 0 none */
    enum opts_reference op_reference; /* --reference nginx|nginx-proxy|none */
    const char *op_versus_template;   /* --versus-template: another server, taking turns */
    long op_versus_pid;               /* --versus-pid PID: that server's process; 0 none */
    const char *op_nginx;             /* --nginx PATH (default /usr/sbin/nginx) */
    const char *op_cert;              /* --cert FILE: client certificate (PEM) */
    const char *op_key;               /* --key FILE: its key (PEM) */
    const char *op_cacert; /* --cacert FILE: CAs that may sign the server's certificate */
    int op_insecure;       /* --insecure: the server's certificate is not checked */
    const char *op_resolve[OPTS_MAX_RESOLVE + 1]; /* --resolve HOST:PORT:ADDR, NULL-terminated */
    int op_nresolve;
    int op_no_keepalive;     /* --no-keepalive: a new connection (TLS handshake) per request */
    const char *op_json;     /* --json FILE */
    const char *op_baseline; /* --baseline FILE */
    int op_compare_tail;     /* --compare-tail: p99 counts in the baseline check too */
    int op_no_prime;         /* --no-prime: no pass over every instance before the warm-up */
    double op_tolerance;     /* --tolerance PCT (default 10) */
    const char *op_plot;     /* --plot FILE.svg|FILE.png */
    const char *op_bin_dir;  /* --bin-dir DIR: cmon-sim and cmon-agent; NULL = ours */
    const char *op_agent_args[OPTS_MAX_AGENT_ARGS + 1]; /* --agent-arg ARG, NULL-terminated */
    int op_nagent_args;
    const char *op_faults[OPTS_MAX_FAULTS + 1]; /* --fault SPEC (fault.h), NULL-terminated */
    int op_nfaults;
    enum opts_sweep_key op_sweep_key; /* --sweep KEY=V1,V2,... */
    double op_sweep[OPTS_MAX_SWEEP];
    int op_nsweep;
    int op_progress; /* --progress: phase lines on stderr even when it is not a terminal */
    int op_quiet;    /* --quiet: no phase lines at all (wins over --progress) */
    int op_help;     /* -h or --help was given */
    int op_version;  /* --version was given */
};

/*
 * Parse argv into o (defaults first). Returns 0, or -1 after writing a
 * one-line reason into err (errlen bytes): the caller prints it, exit 2.
 * The strings in o point into argv. With --url-template, op_url points to
 * the template as well: either means a running server, not one of our own.
 */
int opts_parse(int argc, char **argv, struct opts *o, char *err, size_t errlen);

/* "nginx", "nginx-proxy", "versus" or "none": the name of a reference in tables and titles. */
const char *opts_reference_name(enum opts_reference r);

/* Print the --help text to f: every flag, in the shape help2man reads. */
void opts_usage(FILE *f);

/*
 * The long options cmon-bench accepts, as getopt_long reads them (ends with
 * an all-zero entry). Static; for tests that check --help covers every flag.
 */
const struct option *opts_long_options(void);

/*
 * Parse "KEY=V1,V2,..." (KEY zones, concurrency or rate) into o.
 * Returns 0, or -1 with a reason in err.
 */
int opts_parse_sweep(const char *spec, struct opts *o, char *err, size_t errlen);

#endif
