/*
 * cmd.h - the subcommands of cmon-sim and the helpers they share.
 *
 * A subcommand is a function like main(): argv[0] is the subcommand's name,
 * it returns the exit status (0 success, 2 usage error, other non-zero for
 * failures it names on stderr). `-h`/`--help` prints its help (the shape
 * help2man reads: Usage, a line or two, Options describing every flag) on
 * stdout and returns 0. To add one, write cmd/cmd_<name>.c with its function
 * and its option table, declare both here, and add one line to cmd_table in
 * engine/cmd_table.c.
 */
#ifndef CMON_CMD_H
#define CMON_CMD_H

#include <getopt.h>
#include <stdint.h>

#define CMD_EXIT_USAGE 2

typedef struct cmd {
    const char *c_name;
    const char *c_summary; /* one line for `cmon-sim --help` */
    int (*c_main)(int argc, char **argv);
} cmd_t;

/* The table, ending with a {NULL, NULL, NULL} entry (engine/cmd_table.c). */
extern const cmd_t cmd_table[];

int cmd_serve_main(int argc, char **argv);
int cmd_kstat_main(int argc, char **argv);
int cmd_zones_main(int argc, char **argv);
int cmd_bench_main(int argc, char **argv);
int cmd_ctl_main(int argc, char **argv);

/*
 * The long options each subcommand accepts, ending with a zeroed entry: its
 * --help describes every one (serve --cns accepts serve_cns_options too).
 */
extern const struct option cmd_serve_options[];
extern const struct option cmd_kstat_options[];
extern const struct option cmd_zones_options[];
extern const struct option cmd_bench_options[];
extern const struct option cmd_ctl_options[]; /* the global flags; each verb has its own */

/*
 * cmd_usage_error() - prints "cmon-sim <cmd>: <message>" and "Try 'cmon-sim
 * <cmd> --help'." to stderr; returns CMD_EXIT_USAGE for the caller to return.
 */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * cmd_option_error() - the usage error for what getopt_long (optstring
 * starting with ":") just returned: c ':' a missing value, else an unknown
 * option. arg is the argument getopt_long was called at (argv[optind] before
 * the call): a long option is named from it, a short one from optopt.
 * Returns CMD_EXIT_USAGE.
 */
int cmd_option_error(const char *cmd, int c, const char *arg);

/* cmd_wants_help() - 1 when an argument before any "--" is -h or --help. */
int cmd_wants_help(int argc, char **argv);

/* cmd_wants_version() - 1 when an argument before any "--" is --version. */
int cmd_wants_version(int argc, char **argv);

/* cmd_version() - prints "cmon-sim VERSION" on stdout; returns 0, the exit status. */
int cmd_version(void);

/* cmd_world_path() - path if not NULL, else $CMON_SIM_WORLD, else the default. */
const char *cmd_world_path(const char *path);

#endif /* CMON_CMD_H */
