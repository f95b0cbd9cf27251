/*
 * cmd_kstat.c - `cmon-sim kstat`: kstat(1M) over a world, through the fake
 * libkstat itself (so it shows exactly what a libkstat program sees).
 *
 *   cmon-sim kstat [-p] [-w PATH] [module:instance:name:statistic ...]
 *
 * Each field of a selector is a shell pattern; an empty or missing field
 * matches everything. kstats print sorted by module, instance and name, and
 * their statistics by name, with the pseudo statistics class, crtime and
 * snaptime, as illumos kstat does. -p prints
 * `module:instance:name:statistic<TAB>value` lines. Exit status as kstat(1M):
 * 0 something matched, 1 nothing did, 2 usage error, 3 fatal error.
 */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "kstat.h"
#include "world.h"

#define KSTAT_EXIT_FATAL 3
#define SEL_MAX 64

typedef struct ksel {
    char *s_field[4]; /* module, instance, name, statistic; NULL = any */
} ksel_t;

typedef struct kline {
    const char *l_name;
    char l_value[512];
} kline_t;

static int
ksel_parse(char *arg, ksel_t *sel)
{
    char *p = arg;

    memset(sel, 0, sizeof(*sel));
    for (int i = 0; p != NULL; i++) {
        if (i == 4)
            return -1;
        char *colon = strchr(p, ':');
        if (colon != NULL)
            *colon = '\0';
        sel->s_field[i] = *p ? p : NULL;
        p = colon ? colon + 1 : NULL;
    }
    return 0;
}

static int
ksel_field(const char *pat, const char *s)
{
    return pat == NULL || fnmatch(pat, s, 0) == 0;
}

static int
ksel_kstat(const ksel_t *sel, const kstat_t *ksp)
{
    char inst[16];

    snprintf(inst, sizeof(inst), "%d", ksp->ks_instance);
    return ksel_field(sel->s_field[0], ksp->ks_module) && ksel_field(sel->s_field[1], inst) &&
           ksel_field(sel->s_field[2], ksp->ks_name);
}

static void
kstat_fmt_named(const kstat_named_t *k, char *out, size_t n)
{
    switch (k->data_type) {
    case KSTAT_DATA_CHAR:
        snprintf(out, n, "%.16s", k->value.c);
        break;
    case KSTAT_DATA_INT32:
        snprintf(out, n, "%" PRId32, k->value.i32);
        break;
    case KSTAT_DATA_UINT32:
        snprintf(out, n, "%" PRIu32, k->value.ui32);
        break;
    case KSTAT_DATA_INT64:
        snprintf(out, n, "%" PRId64, k->value.i64);
        break;
    case KSTAT_DATA_UINT64:
        snprintf(out, n, "%" PRIu64, k->value.ui64);
        break;
    case KSTAT_DATA_STRING:
        snprintf(out, n, "%s", KSTAT_NAMED_STR_PTR(k) ? KSTAT_NAMED_STR_PTR(k) : "");
        break;
    default:
        snprintf(out, n, "?");
    }
}

static void
kstat_fmt_time(hrtime_t t, char *out, size_t n)
{
    snprintf(out, n, "%lld.%09lld", (long long)(t / 1000000000), (long long)(t % 1000000000));
}

static int
kline_cmp(const void *a, const void *b)
{
    return strcmp(((const kline_t *)a)->l_name, ((const kline_t *)b)->l_name);
}

/* The lines of one read kstat: its named records and the three pseudo stats. */
static size_t
kstat_lines(const kstat_t *ksp, kline_t *lines)
{
    const kstat_named_t *k = KSTAT_NAMED_PTR(ksp);
    size_t n = 0;

    for (uint_t i = 0; ksp->ks_type == KSTAT_TYPE_NAMED && i < ksp->ks_ndata; i++, n++) {
        lines[n].l_name = k[i].name;
        kstat_fmt_named(&k[i], lines[n].l_value, sizeof(lines[n].l_value));
    }
    lines[n].l_name = "class";
    snprintf(lines[n++].l_value, sizeof(lines[0].l_value), "%s", ksp->ks_class);
    lines[n].l_name = "crtime";
    kstat_fmt_time(ksp->ks_crtime, lines[n++].l_value, sizeof(lines[0].l_value));
    lines[n].l_name = "snaptime";
    kstat_fmt_time(ksp->ks_snaptime, lines[n++].l_value, sizeof(lines[0].l_value));
    qsort(lines, n, sizeof(*lines), kline_cmp);
    return n;
}

static int
kstat_stat_wanted(const ksel_t *sel, int nsel, const kstat_t *ksp, const char *stat)
{
    for (int i = 0; i < nsel; i++)
        if (ksel_kstat(&sel[i], ksp) && ksel_field(sel[i].s_field[3], stat))
            return 1;
    return 0;
}

/* Prints what the selectors want of one kstat; the number of lines printed. */
static int
kstat_print(const ksel_t *sel, int nsel, const kstat_t *ksp, int parsable)
{
    kline_t lines[128];
    size_t n = ksp->ks_ndata + 3 <= 128 ? kstat_lines(ksp, lines) : 0;
    int printed = 0;

    for (size_t i = 0; i < n; i++) {
        if (!kstat_stat_wanted(sel, nsel, ksp, lines[i].l_name))
            continue;
        if (!parsable && printed == 0)
            printf("module: %-30.30s  instance: %-6d\nname:   %-30.30s  class:    %s\n",
                   ksp->ks_module, ksp->ks_instance, ksp->ks_name, ksp->ks_class);
        if (parsable)
            printf("%s:%d:%s:%s\t%s\n", ksp->ks_module, ksp->ks_instance, ksp->ks_name,
                   lines[i].l_name, lines[i].l_value);
        else
            printf("\t%-31s %s\n", lines[i].l_name, lines[i].l_value);
        printed++;
    }
    if (!parsable && printed > 0)
        printf("\n");
    return printed;
}

/* kstat(1M) order: module, then instance, then name. */
static int
kstat_cmp(const void *a, const void *b)
{
    const kstat_t *x = *(const kstat_t *const *)a, *y = *(const kstat_t *const *)b;
    int c = strcmp(x->ks_module, y->ks_module);

    if (c == 0)
        c = (x->ks_instance > y->ks_instance) - (x->ks_instance < y->ks_instance);
    return c != 0 ? c : strcmp(x->ks_name, y->ks_name);
}

/* The kstats the selectors want, sorted; a malloc'd array of *n, or NULL. */
static kstat_t **
kstat_select(kstat_ctl_t *kc, const ksel_t *sel, int nsel, size_t *n)
{
    size_t cap = 0;
    kstat_t **v = NULL;

    *n = 0;
    for (kstat_t *ksp = kc->kc_chain; ksp != NULL; ksp = ksp->ks_next) {
        int want = 0;
        for (int i = 0; i < nsel && !want; i++)
            want = ksel_kstat(&sel[i], ksp);
        if (want && *n == cap) {
            kstat_t **bigger = realloc(v, (cap = cap ? cap * 2 : 256) * sizeof(*v));
            if (bigger == NULL) {
                free(v);
                return NULL;
            }
            v = bigger;
        }
        if (want)
            v[(*n)++] = ksp;
    }
    if (*n > 0)
        qsort(v, *n, sizeof(*v), kstat_cmp);
    return v;
}

static int
kstat_walk(const ksel_t *sel, int nsel, int parsable)
{
    kstat_ctl_t *kc = kstat_open();
    kstat_t **v;
    size_t n;
    int matched = 0;

    if (kc == NULL) {
        fprintf(stderr, "cmon-sim kstat: kstat_open failed: %s\n", strerror(errno));
        return KSTAT_EXIT_FATAL;
    }
    if ((v = kstat_select(kc, sel, nsel, &n)) == NULL && n > 0) {
        fprintf(stderr, "cmon-sim kstat: out of memory\n");
        kstat_close(kc);
        return KSTAT_EXIT_FATAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (kstat_read(kc, v[i], NULL) == -1)
            continue; /* a kstat that went away since the chain was read */
        matched += kstat_print(sel, nsel, v[i], parsable);
    }
    free(v);
    kstat_close(kc);
    return matched > 0 ? 0 : 1;
}

/* Checks the world with a clear message, then points libkstat at it. */
static int
kstat_world_select(const char *path)
{
    char err[512];
    world_t *w = world_open(path, err, sizeof(err));

    if (w == NULL) {
        fprintf(stderr, "cmon-sim kstat: %s\n", err);
        return -1;
    }
    world_close(w);
    return setenv(WORLD_ENV, path, 1);
}

const struct option cmd_kstat_options[] = {
    {"parsable", no_argument, NULL, 'p'},
    {"world", required_argument, NULL, 'w'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
kstat_help(void)
{
    printf("Usage: cmon-sim kstat [OPTION]... [MODULE:INSTANCE:NAME:STATISTIC]...\n"
           "Prints the kstats of a world as illumos kstat(1M) does, read through the fake\n"
           "libkstat itself. Each field of a selector is a shell pattern; an empty or\n"
           "missing field matches all. kstats print sorted by module, instance and name,\n"
           "with the pseudo statistics class, crtime and snaptime.\n"
           "\n"
           "Options:\n"
           "  -p, --parsable           one MODULE:INSTANCE:NAME:STATISTIC<TAB>VALUE line per\n"
           "                           statistic\n"
           "  -w, --world=PATH         the world (default $%s, else %s)\n"
           "  -h, --help               print this help and exit\n"
           "      --version            print the version and exit\n"
           "\n"
           "Exit status:\n"
           "  0  something matched\n"
           "  1  nothing matched\n"
           "  2  usage error\n"
           "  3  fatal error: the world cannot be opened (the message says why)\n"
           "\n"
           "Examples:\n"
           "  cmon-sim kstat -p 'zones:1::nsec_*'\n"
           "  cmon-sim kstat -w /dev/shm/w unix:0:system_misc\n",
           WORLD_ENV, WORLD_DEFAULT_PATH);
}

int
cmd_kstat_main(int argc, char **argv)
{
    static ksel_t sel[SEL_MAX];
    const char *path = NULL;
    int c, parsable = 0, nsel = 0;

    opterr = 0;
    optind = 1;
    for (int at = 1; (c = getopt_long(argc, argv, "+:pw:h", cmd_kstat_options, NULL)) != -1;
         at = optind) {
        if (c == 'p')
            parsable = 1;
        else if (c == 'w')
            path = optarg;
        else if (c == 'h') {
            kstat_help();
            return 0;
        } else if (c == 'V')
            return cmd_version();
        else
            return cmd_option_error("kstat", c, argv[at]);
    }
    for (; optind < argc; optind++) {
        if (nsel == SEL_MAX || ksel_parse(argv[optind], &sel[nsel++]) != 0)
            return cmd_usage_error("kstat", "bad selector: %s", argv[optind]);
    }
    if (nsel == 0)
        nsel = 1; /* sel[0] is all wildcards */
    if (kstat_world_select(cmd_world_path(path)) != 0)
        return KSTAT_EXIT_FATAL;
    return kstat_walk(sel, nsel, parsable);
}
