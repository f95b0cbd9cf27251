/*
 * plugin.h - the agent's plugins, as Triton's cmon-agent has them
 * (reference section 4): executables an operator drops into
 * DIR/vm-plugins (run for every instance scrape with the instance's uuid as
 * their one argument) or DIR/gz-plugins (run for /v1/gz/metrics with the
 * argument "global"), DIR being --plugin-dir (default /opt/custom/cmon),
 * optionally configured by DIR/<kind>/plugin.json, printing either the
 * tab-separated format A or, when the file name ends in ".prom", the
 * Prometheus text format B. Every metric they print is served as
 * plugin_<name>_<metric>.
 *
 * Three layers, each testable alone:
 *   plugin_dir_*     which files are plugins, their names and plugin.json;
 *   plugin_run_*     run many at once: bounded time, bounded output;
 *   plugin_output_*  validate and parse what one printed (format A or B).
 * A plugin that fails in any way (refused file, bad plugin.json entry,
 * spawn, exit status, signal, timeout, too much output, the concurrency
 * limit, bad output) is reported by the caller as
 * plugin_<name>_metrics_available_boolean 0; it never breaks the scrape nor
 * silences another plugin.
 */
#ifndef CMON_AGENT_PLUGIN_H
#define CMON_AGENT_PLUGIN_H

#include <stddef.h>
#include <sys/types.h>

/* The original's defaults (reference 4.1). */
#define PLUGIN_DIR_DEFAULT "/opt/custom/cmon"
#define PLUGIN_TIMEOUT_MS_DEFAULT 3000
#define PLUGIN_TTL_DEFAULT 60
#define PLUGIN_OUTPUT_MAX_DEFAULT 512000
#define PLUGIN_RUNNING_MAX 100 /* plugin processes at once, agent-wide */
#define PLUGIN_RELOAD_S 60.0   /* a directory is listed again at most this often */
/* plugin.json's "timeout": 0 means none in the original; ours keeps every
 * run bounded, so 0 and anything larger mean this. */
#define PLUGIN_TIMEOUT_MS_MAX 60000
#define PLUGIN_TTL_MAX (24 * 3600)
#define PLUGIN_CONF_MAX (1024 * 1024) /* bytes of plugin.json read */
#define PLUGIN_NAME_MAX 128
#define PLUGIN_WHY_MAX 200
/* Labels of one plugin sample: as many as a famset sample holds (FAMSET_MAX_LABELS). */
#define PLUGIN_LABELS_MAX 10
#define PLUGIN_LABELS_MAX_TEXT "10"

/* ---- plugin directories ---------------------------------------------- */

/*
 * plugin_dir_check() - 0 when dir may be trusted: a directory owned by the
 * effective user or root and writable by neither group nor others. -1
 * otherwise, with a one-line reason in err (errlen bytes) and errno set
 * (ENOTDIR, EPERM for ownership or mode, else the stat() error; ENOENT for a
 * missing dir, which callers treat as "no plugins").
 */
int plugin_dir_check(const char *dir, char *err, size_t errlen);

/*
 * plugin_name_from_file() - the plugin's name as the original makes it: the
 * file name without its last extension ("foo.sh" -> "foo", "a.b.sh" ->
 * "a.b", "plugin0" -> "plugin0"), into name. 0, or -1 when that name cannot
 * be part of a metric name (a character outside [A-Za-z0-9_:], empty, or
 * longer than PLUGIN_NAME_MAX-1).
 */
int plugin_name_from_file(const char *file, char name[PLUGIN_NAME_MAX]);

/* plugin_file_is_prom() - 1 when file names format B: it ends in ".prom" (D13b). */
int plugin_file_is_prom(const char *file);

/* One plugin file of a directory, with its plugin.json settings. */
typedef struct plugin_entry {
    char *pe_path;                 /* DIR/<kind>/<file> */
    char *pe_file;                 /* the file name (plugin.json's key) */
    char pe_name[PLUGIN_NAME_MAX]; /* metric prefix: plugin_<pe_name>_ */
    int pe_prom;                   /* format B */
    int pe_timeout_ms;             /* kill after this */
    int pe_ttl;                    /* seconds its answer is kept (<= 0: not kept) */
    char **pe_vms;                 /* NULL: every zone; else only these zonenames */
    size_t pe_nvms;
    int pe_shadow;               /* a later file of the same name (D13f): no block of its own */
    char pe_why[PLUGIN_WHY_MAX]; /* "": runs; else why it never does (available 0) */
} plugin_entry_t;

typedef enum {
    PLUGIN_DIR_NONE = 0, /* missing: no plugins, no meta block (as the original) */
    PLUGIN_DIR_OK,
    PLUGIN_DIR_BAD /* not a directory, untrusted or unreadable: pl_why */
} plugin_dir_state_t;

/* What one listing of a plugin directory found, in file-name byte order. */
typedef struct plugin_listing {
    plugin_dir_state_t pl_state;
    char pl_why[PLUGIN_WHY_MAX + 64];
    plugin_entry_t *pl_entries;
    size_t pl_n;
} plugin_listing_t;

/* Settings of plugins plugin.json says nothing of. */
typedef struct plugin_defaults {
    int pd_timeout_ms;
    int pd_ttl;
} plugin_defaults_t;

/*
 * plugin_dir_load() - lists dir: every regular file with an execute bit
 * but plugin.json and dot-files (subdirectories are no plugins, D13c) is an
 * entry; a file that is not owned by the agent's user or root or that group
 * or others may write, a name that cannot be a metric name, or a second
 * file of the same name (D13f) is an entry with pe_why set. plugin.json (if
 * any, a JSON object keyed by file name) gives pe_timeout_ms, pe_ttl and
 * pe_vms: when it cannot be read or is not an object every entry gets
 * pe_why (none runs: its vms lists are unknown); a wrongly typed field
 * (D13d/e) gives only that entry pe_why. Never fails: a directory that is
 * not one is PLUGIN_DIR_BAD. Free with plugin_listing_free().
 */
void plugin_dir_load(const char *dir, const plugin_defaults_t *d, plugin_listing_t *out);

/*
 * plugin_conf_apply() - applies the text of a plugin.json (len bytes) to
 * the n entries, as plugin_dir_load() does. 0, or -1 when the text is no
 * JSON object (every entry then has pe_why, which says so).
 */
int plugin_conf_apply(const char *text, size_t len, plugin_entry_t *e, size_t n);

/* plugin_entry_allows() - 1 when the entry runs for zonename (its vms list). */
int plugin_entry_allows(const plugin_entry_t *e, const char *zonename);

/* plugin_listing_free() - frees what a listing holds and empties it. */
void plugin_listing_free(plugin_listing_t *l);

/* ---- running --------------------------------------------------------- */

typedef enum {
    PLUGIN_RUN_OK = 0,  /* exited 0 within the limits */
    PLUGIN_RUN_SPAWN,   /* could not be started (pr_errno says why) */
    PLUGIN_RUN_EXIT,    /* exited non-zero (pr_code) */
    PLUGIN_RUN_SIGNAL,  /* killed by signal pr_code (not by us) */
    PLUGIN_RUN_TIMEOUT, /* still running at the deadline: killed */
    PLUGIN_RUN_TOOBIG,  /* printed more than the output limit: killed */
    PLUGIN_RUN_BUSY     /* not started: PLUGIN_RUNNING_MAX plugins were running */
} plugin_run_status_t;

typedef struct plugin_limits {
    int pl_timeout_ms;    /* deadline of a run without its own, from the batch's start */
    size_t pl_output_max; /* bytes of stdout one plugin may print */
} plugin_limits_t;

/*
 * One run. The caller fills pr_path, pr_arg (NULL: no argument) and
 * pr_timeout_ms (0: the batch's); plugin_run_all() fills the rest. pr_out is
 * malloc'd, NUL-terminated, owned by the caller (plugin_run_release()); it
 * holds what was read, also on failure (at most pl_output_max bytes).
 */
typedef struct plugin_run {
    const char *pr_path;
    const char *pr_arg;
    int pr_timeout_ms;
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
 * at its deadline or prints too much, and reaps every process it started.
 * Runs whose pr_status is PLUGIN_RUN_BUSY on entry are left alone.
 * Returns 0 (each run's outcome is in its pr_status), or -1 with errno
 * ENOMEM when nothing could be run.
 */
int plugin_run_all(plugin_run_t *runs, size_t n, const plugin_limits_t *lim);

/* plugin_run_release() - frees pr_out and clears the outcome. */
void plugin_run_release(plugin_run_t *run);

/* plugin_run_status_name() - "ok", "spawn", "exit", "signal", "timeout", "toobig", "busy". */
const char *plugin_run_status_name(plugin_run_status_t st);

/* ---- output ---------------------------------------------------------- */

typedef enum {
    PLUGIN_TYPE_COUNTER = 1,
    PLUGIN_TYPE_GAUGE,
    PLUGIN_TYPE_HISTOGRAM /* format B only */
} plugin_metric_type_t;

typedef enum {
    PLUGIN_PART_PLAIN = 0,
    PLUGIN_PART_BUCKET, /* name_bucket, with an le label */
    PLUGIN_PART_SUM,
    PLUGIN_PART_COUNT
} plugin_part_t;

typedef struct plugin_sample {
    size_t ps_family; /* index in po_families */
    plugin_part_t ps_part;
    char *ps_labels; /* canonical label text k="v",k2="v2" (text-format escapes), or NULL */
    double ps_value;
} plugin_sample_t;

typedef struct plugin_family {
    char *pf_name; /* plugin_<plugin>_<name> */
    char *pf_help; /* raw text (no escapes) */
    plugin_metric_type_t pf_type;
} plugin_family_t;

/* The families and samples one plugin printed, in the order it printed them. */
typedef struct plugin_output {
    plugin_family_t *po_families;
    size_t po_nfamilies;
    plugin_sample_t *po_samples;
    size_t po_nsamples;
    int po_has_ttl; /* a ttl option was printed */
    long po_ttl;    /* its seconds (<= 0: do not keep) */
} plugin_output_t;

/*
 * plugin_output_parse() - validates buf (len bytes), the output of plugin
 * `plugin` (its name, the metric prefix), as format B when prom, else
 * format A (reference 4.4, 4.5; the fixes D13a and D13g in agent/README.md).
 * On success fills *out (release with plugin_output_release()) and returns
 * 0. On the first violation returns -1 and writes "line N: reason" into
 * err; *out is then empty.
 */
int plugin_output_parse(const char *plugin, int prom, const char *buf, size_t len,
                        plugin_output_t *out, char *err, size_t errlen);

/* plugin_output_release() - frees everything *out holds and empties it. */
void plugin_output_release(plugin_output_t *out);

#endif /* CMON_AGENT_PLUGIN_H */
