/*
 * cmd_ctl.c - `cmon-sim ctl [-w PATH | --control PATH] [--json] VERB ...`:
 * change a running world through its serve's control socket (CONTROL.md).
 *
 * Every verb is a row of ctl_verbs: its words, the request it sends, its
 * flags (each the JSON key it sets and the type of its value) and how its
 * answer is printed (ctl_print.c). The command line becomes the request's
 * JSON body, the flags checked here (a rate outside [0, 1] is a usage
 * error); what only the world can judge (an unknown zone or module, a zone
 * in the wrong state) is serve's answer, printed with its message. Exit 0
 * done, 1 refused or failed (no serve, a dead one, an error answer), 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "ctl_client.h"
#include "ctl_print.h"
#include "world.h"

#define CTL_OPTS_MAX 12

enum ctl_type { CTL_STR, CTL_UINT, CTL_NUM, CTL_RATE, CTL_FLAG };

/* One flag of a verb: --co_name sets co_key ("load.x": key x of the object "load"). */
typedef struct ctl_opt {
    const char *co_name;
    const char *co_arg; /* the value's name in the help */
    const char *co_key;
    enum ctl_type co_type;
    const char *co_help;
} ctl_opt_t;

enum ctl_pos { CTL_POS_NONE, CTL_POS_UUID, CTL_POS_SECONDS };

typedef struct ctl_verb {
    const char *cv_group, *cv_name; /* "zone", "reboot"; cv_name NULL: one word */
    enum ctl_pos cv_pos;            /* the positional argument it takes */
    const char *cv_path;            /* the request */
    const char *cv_summary;
    ctl_print_fn cv_print;
    ctl_opt_t cv_opts[CTL_OPTS_MAX];
} ctl_verb_t;

/* What the global flags said. */
typedef struct ctl_ctx {
    const char *cx_world, *cx_control;
    int cx_json;
} ctl_ctx_t;

#define CTL_SELECT                                                                                 \
    {"alias", "PATTERN", "alias", CTL_STR,                                                         \
     "the zones whose alias matches PATTERN (a shell pattern)"},                                   \
    {                                                                                              \
        "count", "N", "count", CTL_UINT, "the first N zones that can take it (not core zones)"     \
    }

static const ctl_verb_t ctl_verbs[] = {
    {"state",
     NULL,
     CTL_POS_NONE,
     "/v1/state",
     "virtual time, zones and faults",
     ctl_print_state,
     {{"zones", NULL, "zones", CTL_FLAG, "list every zone (uuid, state, zoneid, brand, alias)"}}},
    {"fault",
     "set",
     CTL_POS_NONE,
     "/v1/faults/set",
     "add a fault every reader obeys",
     ctl_print_faults,
     {{"module", "M", "module", CTL_STR,
       "the kstat module (zones, memory_cap, caps, zone_vfs, zone_zfs, tcp, link, unix, cpu, "
       "cpu_info, zfs, zfs_metaslab_group) or * for all (required)"},
      {"zone", "UUID", "zone", CTL_STR, "only that zone's kstats (default: every zone)"},
      {"errno", "E", "errno", CTL_STR, "kstat_read fails with E: EAGAIN, ENXIO or EIO"},
      {"rate", "R", "rate", CTL_RATE, "with --errno: the probability per read, 0 to 1 (default 1)"},
      {"latency-us", "N", "latency_us", CTL_UINT, "every matching read takes N microseconds more"},
      {"vanish", NULL, "vanish", CTL_FLAG,
       "with --zone: the zone looks gone to readers while the chain lists it"}}},
    {"fault",
     "clear",
     CTL_POS_NONE,
     "/v1/faults/clear",
     "remove faults (default: every one)",
     ctl_print_faults,
     {{"module", "M", "module", CTL_STR, "only the faults of module M (* the all-module ones)"},
      {"zone", "UUID", "zone", CTL_STR, "only the faults of that zone"}}},
    {"zone",
     "create",
     CTL_POS_NONE,
     "/v1/zones/create",
     "add booted zones",
     ctl_print_zones,
     {{"brand", "B", "brand", CTL_STR,
       "joyent, joyent-minimal, lx, kvm or bhyve (default: drawn as serve's own)"},
      {"count", "N", "count", CTL_UINT, "how many, 1 to 10000 (default 1)"},
      {"alias", "A", "alias", CTL_STR, "their alias (default BRAND-NUMBER)"},
      {"halted", NULL, "halted", CTL_FLAG, "add them installed, not booted"}}},
    {"zone",
     "destroy",
     CTL_POS_UUID,
     "/v1/zones/destroy",
     "destroy zones",
     ctl_print_zones,
     {CTL_SELECT}},
    {"zone",
     "halt",
     CTL_POS_UUID,
     "/v1/zones/halt",
     "halt running zones",
     ctl_print_zones,
     {CTL_SELECT}},
    {"zone",
     "boot",
     CTL_POS_UUID,
     "/v1/zones/boot",
     "boot installed zones",
     ctl_print_zones,
     {CTL_SELECT}},
    {"zone",
     "reboot",
     CTL_POS_UUID,
     "/v1/zones/reboot",
     "reboot running zones (a new zoneid each)",
     ctl_print_zones,
     {CTL_SELECT}},
    {"zone",
     "load",
     CTL_POS_UUID,
     "/v1/zones/load",
     "set the load zones carry (rates per second)",
     ctl_print_zones,
     {CTL_SELECT,
      {"cpu-user", "CPUS", "load.cpu_user", CTL_NUM, "CPUs busy in user mode"},
      {"cpu-sys", "CPUS", "load.cpu_sys", CTL_NUM, "CPUs busy in the kernel"},
      {"net-rx-bps", "B", "load.net_rx_bps", CTL_NUM, "bytes received per second"},
      {"net-tx-bps", "B", "load.net_tx_bps", CTL_NUM, "bytes sent per second"},
      {"vfs-read-bps", "B", "load.vfs_read_bps", CTL_NUM, "bytes read per second"},
      {"vfs-write-bps", "B", "load.vfs_write_bps", CTL_NUM, "bytes written per second"},
      {"rss", "B", "load.rss", CTL_NUM, "bytes the zone wants resident"}}},
    {"zone",
     "caps",
     CTL_POS_UUID,
     "/v1/zones/caps",
     "set zones' caps (0: none)",
     ctl_print_zones,
     {CTL_SELECT,
      {"cpu-cap", "PCT", "cpu_cap", CTL_NUM, "percent of one CPU"},
      {"mem-cap", "B", "mem_cap", CTL_NUM, "bytes of memory"},
      {"swap-cap", "B", "swap_cap", CTL_NUM, "bytes of swap"},
      {"quota", "B", "quota", CTL_NUM, "bytes of ZFS quota"}}},
    {"time",
     "advance",
     CTL_POS_SECONDS,
     "/v1/time/advance",
     "move virtual time forward by SECONDS now (counters follow)",
     ctl_print_time,
     {{0}}},
    {"time", "freeze", CTL_POS_NONE, "/v1/time/freeze", "stop virtual time", ctl_print_time, {{0}}},
    {"time",
     "thaw",
     CTL_POS_NONE,
     "/v1/time/thaw",
     "let virtual time follow real time again",
     ctl_print_time,
     {{0}}},
    {NULL, NULL, 0, NULL, NULL, NULL, {{0}}}};

/* clang-format off */
const struct option cmd_ctl_options[] = {
    {"world", required_argument, NULL, 'w'}, {"control", required_argument, NULL, 'c'},
    {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},     {NULL, 0, NULL, 0}};
/* clang-format on */

/* ---- help ------------------------------------------------------------------ */

static void
ctl_verb_words(const ctl_verb_t *v, char *out, size_t len)
{
    snprintf(out, len, "%s%s%s", v->cv_group, v->cv_name ? " " : "", v->cv_name ? v->cv_name : "");
}

static void
ctl_help(void)
{
    char words[32];

    printf("Usage: cmon-sim ctl [-w PATH | --control PATH] [--json] VERB [ARG]... [OPTION]...\n"
           "Changes a running world through its cmon-sim serve's control socket: faults,\n"
           "zones, load, caps and virtual time, and reports its state. serve applies each\n"
           "request within one tick and stays the only writer of the world.\n"
           "\nVerbs (cmon-sim ctl VERB --help describes each one's flags):\n");
    for (const ctl_verb_t *v = ctl_verbs; v->cv_group != NULL; v++) {
        ctl_verb_words(v, words, sizeof(words));
        printf("  %-18s%s\n", words, v->cv_summary);
    }
    printf("\nOptions:\n"
           "  -w, --world=PATH     the world whose serve to drive: its socket is PATH.ctl\n"
           "                       (default $%s, else %s)\n"
           "      --control=PATH   the control socket itself (serve --control)\n"
           "      --json           print serve's answer as JSON (CONTROL.md) instead of text\n"
           "  -h, --help           print this help (after a verb: the verb's) and exit\n"
           "      --version        print the version and exit\n"
           "\nExit status:\n"
           "  0  done\n"
           "  1  refused or failed: no serve answers on the socket (missing, stale, another\n"
           "     user's), or serve answered with an error (unknown zone or module, a zone\n"
           "     in the wrong state, the world full), the message on stderr\n"
           "  2  usage error (an unknown verb or flag, a bad value)\n",
           WORLD_ENV, WORLD_DEFAULT_PATH);
}

static void
ctl_verb_help(const ctl_verb_t *v)
{
    char words[32], flag[48];

    ctl_verb_words(v, words, sizeof(words));
    printf("Usage: cmon-sim ctl [-w PATH | --control PATH] [--json] %s%s%s\n%s.\n", words,
           v->cv_pos == CTL_POS_UUID ? " (UUID | --alias PATTERN | --count N)" : "",
           v->cv_pos == CTL_POS_SECONDS ? " SECONDS" : "", v->cv_summary);
    if (v->cv_pos == CTL_POS_UUID)
        printf("Names its zones by one of: a zone's UUID, --alias or --count.\n");
    printf("\nOptions:\n");
    for (const ctl_opt_t *o = v->cv_opts; o->co_name != NULL; o++) {
        snprintf(flag, sizeof(flag), "--%s%s%s", o->co_name, o->co_arg ? "=" : "",
                 o->co_arg ? o->co_arg : "");
        printf("      %-22s%s\n", flag, o->co_help);
    }
    printf("      --json                print serve's answer as JSON\n"
           "  -h, --help                print this help and exit\n");
}

/* ---- the request's body ------------------------------------------------------ */

/* Sets key (maybe "obj.key") of body to val. */
static void
ctl_body_set(json_t *body, const char *key, json_t *val)
{
    const char *dot = strchr(key, '.');
    char obj[32];

    if (dot == NULL) {
        json_object_set_new(body, key, val);
        return;
    }
    snprintf(obj, sizeof(obj), "%.*s", (int)(dot - key), key);
    json_t *o = json_object_get(body, obj);
    if (o == NULL)
        json_object_set_new(body, obj, o = json_object());
    json_object_set_new(o, dot + 1, val);
}

/* The value of flag o from arg; NULL when it is not one (a usage error). */
static json_t *
ctl_value(const ctl_opt_t *o, const char *arg)
{
    uint64_t u;
    double d;

    switch (o->co_type) {
    case CTL_STR:
        return *arg ? json_string(arg) : NULL;
    case CTL_UINT:
        return cmon_parse_u64(arg, 0, 1000000000000ULL, &u, NULL, 0) == 0
                   ? json_integer((json_int_t)u)
                   : NULL;
    case CTL_NUM:
        return cmon_parse_double(arg, 0, 1e18, &d, NULL, 0) == 0 ? json_real(d) : NULL;
    case CTL_RATE:
        return cmon_parse_double(arg, 0, 1, &d, NULL, 0) == 0 ? json_real(d) : NULL;
    default:
        return json_true();
    }
}

static const char *
ctl_want(enum ctl_type t)
{
    return t == CTL_RATE   ? " (want a number from 0 to 1)"
           : t == CTL_UINT ? " (want a whole number)"
           : t == CTL_NUM  ? " (want a number, 0 or more)"
                           : "";
}

/* The verb's struct option table from its flags (and --help). */
static void
ctl_getopt_table(const ctl_verb_t *v, struct option *lo)
{
    int n = 0;

    for (const ctl_opt_t *o = v->cv_opts; o->co_name != NULL; o++, n++)
        lo[n] = (struct option){o->co_name, o->co_arg ? required_argument : no_argument, NULL, n};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n++] = (struct option){"json", no_argument, NULL, 'j'}; /* also after the verb */
    lo[n] = (struct option){NULL, 0, NULL, 0};
}

/* The positional argument into body; 0, or the usage error. */
static int
ctl_positional(const ctl_verb_t *v, int argc, char **argv, json_t *body, const char *cmd)
{
    double s;

    int named = json_object_get(body, "alias") != NULL || json_object_get(body, "count") != NULL;

    if (v->cv_pos == CTL_POS_UUID && (optind < argc) + named != 1)
        return cmd_usage_error(cmd, "name the zones by one of UUID, --alias, --count");
    if (v->cv_pos == CTL_POS_NONE || (v->cv_pos == CTL_POS_UUID && optind >= argc)) {
        if (optind < argc)
            return cmd_usage_error(cmd, "unexpected argument: %s", argv[optind]);
        return 0;
    }
    if (optind >= argc)
        return cmd_usage_error(cmd, "missing SECONDS");
    if (optind + 1 < argc)
        return cmd_usage_error(cmd, "unexpected argument: %s", argv[optind + 1]);
    if (v->cv_pos == CTL_POS_UUID) {
        json_object_set_new(body, "uuid", json_string(argv[optind]));
        return 0;
    }
    if (cmon_parse_double(argv[optind], 0, 1e9, &s, NULL, 0) != 0)
        return cmd_usage_error(cmd, "bad SECONDS: %s (want 0 to 1e9)", argv[optind]);
    json_object_set_new(body, "seconds", json_real(s));
    return 0;
}

/* Reads the verb's flags into body; 0, -1 when --help was printed, or the usage error. */
static int
ctl_parse_verb(ctl_ctx_t *cx, const ctl_verb_t *v, int argc, char **argv, json_t *body)
{
    struct option lo[CTL_OPTS_MAX + 3];
    int c, li;
    const char *cmd = "ctl";

    ctl_getopt_table(v, lo);
    optind = 0; /* glibc: start afresh, permuting (the global flags stopped at the verb) */
    opterr = 0;
    for (int at = 1; (c = getopt_long(argc, argv, ":h", lo, &li)) != -1; at = optind) {
        if (c == 'h')
            return ctl_verb_help(v), -1;
        if (c == '?' || c == ':')
            return cmd_option_error(cmd, c, argv[at]);
        if (c == 'j') {
            cx->cx_json = 1;
            continue;
        }
        json_t *val = ctl_value(&v->cv_opts[c], optarg ? optarg : "");
        if (val == NULL)
            return cmd_usage_error(cmd, "bad value for --%s: %s%s", v->cv_opts[c].co_name, optarg,
                                   ctl_want(v->cv_opts[c].co_type));
        ctl_body_set(body, v->cv_opts[c].co_key, val);
    }
    return ctl_positional(v, argc, argv, body, cmd);
}

/* ---- running a verb --------------------------------------------------------------- */

/* The verb named by argv[0] (and argv[1]); NULL after the usage error. *words: how many. */
static const ctl_verb_t *
ctl_find(int argc, char **argv, int *words)
{
    for (const ctl_verb_t *v = ctl_verbs; v->cv_group != NULL; v++) {
        if (strcmp(v->cv_group, argv[0]) != 0)
            continue;
        if (v->cv_name == NULL)
            return *words = 1, v;
        if (argc > 1 && strcmp(v->cv_name, argv[1]) == 0)
            return *words = 2, v;
    }
    for (const ctl_verb_t *v = ctl_verbs; v->cv_group != NULL; v++)
        if (strcmp(v->cv_group, argv[0]) == 0) {
            cmd_usage_error("ctl", "%s: unknown verb: %s", argv[0], argc > 1 ? argv[1] : "(none)");
            return NULL;
        }
    cmd_usage_error("ctl", "unknown verb: %s", argv[0]);
    return NULL;
}

/* Sends the request and prints the answer; the exit status. */
static int
ctl_send(const ctl_ctx_t *cx, const ctl_verb_t *v, json_t *body)
{
    char path[4096], err[4400], words[32];
    ctl_client_t *c;
    json_t *reply = NULL;
    long status = 0;
    int rc = 1;

    ctl_verb_words(v, words, sizeof(words));
    ctl_client_path(cx->cx_world, cx->cx_control, path, sizeof(path));
    if ((c = ctl_client_open(path, err, sizeof(err))) == NULL) {
        fprintf(stderr, "cmon-sim ctl: %s\n", err);
        return 1;
    }
    if (ctl_client_call(c, "POST", v->cv_path, body, &status, &reply, err, sizeof(err)) != 0)
        fprintf(stderr, "cmon-sim ctl: %s: %s\n", words, err);
    else if (status != 200)
        fprintf(stderr, "cmon-sim ctl: %s: %s (HTTP %ld)\n", words,
                reply ? ctl_client_message(reply) : "an answer that is not JSON", status);
    else if (reply == NULL)
        fprintf(stderr, "cmon-sim ctl: %s: serve's answer is not JSON\n", words);
    else
        rc = cx->cx_json ? ctl_print_json(reply)
                         : v->cv_print(reply, json_object_get(body, "zones") != NULL);
    json_decref(reply);
    ctl_client_close(c);
    return rc;
}

static int
ctl_verb_run(ctl_ctx_t *cx, int argc, char **argv)
{
    int words = 0, rc;
    const ctl_verb_t *v = ctl_find(argc, argv, &words);
    json_t *body;

    if (v == NULL)
        return CMD_EXIT_USAGE;
    if ((body = json_object()) == NULL)
        return 1;
    /* the verb's own argv: its last word as argv[0] */
    rc = ctl_parse_verb(cx, v, argc - words + 1, argv + words - 1, body);
    if (rc == 0)
        rc = ctl_send(cx, v, body);
    json_decref(body);
    return rc < 0 ? 0 : rc;
}

/* The global flags, up to the verb; optind is left at the verb. 0, -1 help/version done, or 2. */
static int
ctl_parse(int argc, char **argv, ctl_ctx_t *cx)
{
    int c;

    optind = 1;
    opterr = 0;
    for (int at = 1; (c = getopt_long(argc, argv, "+:w:h", cmd_ctl_options, NULL)) != -1;
         at = optind) {
        if (c == 'h')
            return ctl_help(), -1;
        if (c == 'V')
            return cmd_version(), -1;
        if (c == '?' || c == ':')
            return cmd_option_error("ctl", c, argv[at]);
        if (c == 'j')
            cx->cx_json = 1;
        else if (!*optarg)
            return cmd_usage_error("ctl", "empty value for --%s", c == 'w' ? "world" : "control");
        else if (c == 'w')
            cx->cx_world = optarg;
        else
            cx->cx_control = optarg;
    }
    if (cx->cx_world != NULL && cx->cx_control != NULL)
        return cmd_usage_error("ctl", "give --world or --control, not both");
    if (optind >= argc)
        return cmd_usage_error("ctl", "missing verb");
    return 0;
}

int
cmd_ctl_main(int argc, char **argv)
{
    ctl_ctx_t cx = {0};
    int rc = ctl_parse(argc, argv, &cx);

    if (rc != 0)
        return rc < 0 ? 0 : rc;
    return ctl_verb_run(&cx, argc - optind, argv + optind);
}
