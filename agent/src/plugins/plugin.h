/*
 * plugin.h - the agent's plugins: executables an operator drops into
 * --plugin-dir DIR (DIR/vm for every instance, DIR/gz for the compute node),
 * run with the instance's uuid as their only argument (no argument for gz),
 * printing Prometheus text-format lines on stdout.
 *
 * Three layers, each testable alone:
 *   plugin_dir_*     which executables are trusted (ownership and mode);
 *   plugin_run_*     run many at once: bounded time, bounded output;
 *   plugin_output_*  validate and parse what one printed into families.
 * A plugin that fails in any way (spawn, exit status, signal, timeout, too
 * much output, a line that is not text format) is reported by the caller as
 * plugin_<name>_metrics_available_boolean 0; it never breaks the scrape.
 */
#ifndef CMON_AGENT_PLUGIN_H
#define CMON_AGENT_PLUGIN_H

#include <stddef.h>
#include <sys/types.h>

#define PLUGIN_TIMEOUT_MS_DEFAULT 3000
#define PLUGIN_OUTPUT_MAX_DEFAULT (500 * 1024)
#define PLUGIN_NAME_MAX 64

/* ---- plugin directories ---------------------------------------------- */

/*
 * plugin_dir_check() - 0 when dir may be trusted: a directory owned by the
 * effective user or root and writable by neither group nor others. -1
 * otherwise, with a one-line reason in err (errlen bytes) and errno set
 * (EPERM for ownership or mode, else the stat() error).
 */
int plugin_dir_check(const char *dir, char *err, size_t errlen);

/*
 * plugin_dir_list() - the trusted executables in dir (regular files with an
 * execute bit, owned by the effective user or root, not writable by group or
 * others), sorted by name, as a NULL-terminated array of malloc'd paths in
 * *paths (free with plugin_dir_list_free()); *count gets their number.
 * Untrusted files are skipped, each with a line on stderr. Returns 0, or -1
 * with errno set when dir fails plugin_dir_check() or cannot be read (a
 * missing dir is ENOENT).
 */
int plugin_dir_list(const char *dir, char ***paths, size_t *count);

/* plugin_dir_list_free() - frees what plugin_dir_list() returned (NULL ok). */
void plugin_dir_list_free(char **paths);

/*
 * plugin_name_from_path() - the plugin's metric-safe name: the file's base
 * name with every character outside [A-Za-z0-9_] turned into '_' (and a
 * leading '_' before a digit), cut to PLUGIN_NAME_MAX-1 bytes, into name.
 */
void plugin_name_from_path(const char *path, char name[PLUGIN_NAME_MAX]);

/* ---- running --------------------------------------------------------- */

typedef enum {
    PLUGIN_RUN_OK = 0,  /* exited 0 within the limits */
    PLUGIN_RUN_SPAWN,   /* could not be started (pr_errno says why) */
    PLUGIN_RUN_EXIT,    /* exited non-zero (pr_code) */
    PLUGIN_RUN_SIGNAL,  /* killed by signal pr_code (not by us) */
    PLUGIN_RUN_TIMEOUT, /* still running at the deadline: killed */
    PLUGIN_RUN_TOOBIG   /* printed more than the output limit: killed */
} plugin_run_status_t;

typedef struct plugin_limits {
    int pl_timeout_ms;    /* deadline for the whole batch, from its start */
    size_t pl_output_max; /* bytes of stdout one plugin may print */
} plugin_limits_t;

/*
 * One run. The caller fills pr_path and pr_arg (NULL: no argument);
 * plugin_run_all() fills the rest. pr_out is malloc'd, NUL-terminated, owned
 * by the caller (plugin_run_release()); it holds what was read, also on
 * failure (at most pl_output_max bytes).
 */
typedef struct plugin_run {
    const char *pr_path;
    const char *pr_arg;
    plugin_run_status_t pr_status;
    int pr_code;  /* exit status or signal number */
    int pr_errno; /* for PLUGIN_RUN_SPAWN */
    char *pr_out;
    size_t pr_len;
    double pr_seconds; /* wall time from start to exit or kill */
} plugin_run_t;

/*
 * plugin_run_all() - starts every run at once (each in its own process
 * group, stdin and stderr on /dev/null, SIGPIPE at its default), reads their
 * output in parallel, kills (SIGKILL to the group) any that is still running
 * at the deadline or prints too much, and reaps every process it started.
 * Returns 0 (each run's outcome is in its pr_status), or -1 with errno
 * ENOMEM when nothing could be run.
 */
int plugin_run_all(plugin_run_t *runs, size_t n, const plugin_limits_t *lim);

/* plugin_run_release() - frees pr_out and clears the outcome. */
void plugin_run_release(plugin_run_t *run);

/* plugin_run_status_name() - "ok", "spawn", "exit", "signal", "timeout", "toobig". */
const char *plugin_run_status_name(plugin_run_status_t st);

/* ---- output ---------------------------------------------------------- */

typedef enum {
    PLUGIN_TYPE_UNTYPED = 0,
    PLUGIN_TYPE_COUNTER,
    PLUGIN_TYPE_GAUGE
} plugin_metric_type_t;

typedef struct plugin_sample {
    char *ps_labels; /* the validated text between { and }, or NULL */
    double ps_value;
} plugin_sample_t;

typedef struct plugin_family {
    char *pf_name;
    char *pf_help; /* escaped as in the text format, or NULL */
    plugin_metric_type_t pf_type;
    plugin_sample_t *pf_samples;
    size_t pf_nsamples;
} plugin_family_t;

/* The families one plugin printed, in the order it printed them. */
typedef struct plugin_output {
    plugin_family_t *po_families;
    size_t po_nfamilies;
    int po_ttl; /* from a "# TTL <seconds>" line, or -1 */
} plugin_output_t;

/*
 * plugin_output_parse() - validates buf (len bytes) as Prometheus text
 * format 0.0.4 restricted to what a plugin may print: counter, gauge and
 * untyped families; every sample of a family in one group after its HELP
 * and TYPE; no duplicate series; no timestamps; and one optional
 * "# TTL <seconds>" line. On success fills *out (release with
 * plugin_output_release()) and returns 0. On the first violation returns -1
 * and writes "line N: reason" into err; *out is then empty.
 */
int plugin_output_parse(const char *buf, size_t len, plugin_output_t *out, char *err,
                        size_t errlen);

/* plugin_output_release() - frees everything *out holds and empties it. */
void plugin_output_release(plugin_output_t *out);

#endif /* CMON_AGENT_PLUGIN_H */
