/*
 * cmon_sim_main.c - cmon-sim: dispatches to a subcommand of cmd_table.
 *
 * `cmon-sim help SUBCOMMAND` is `cmon-sim SUBCOMMAND --help`.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmon_version.h"

static void
main_help(void)
{
    printf("Usage: cmon-sim SUBCOMMAND [OPTION]... [ARG]...\n"
           "  or:  cmon-sim help SUBCOMMAND\n"
           "The fake illumos kernel and its tools: serves simulated SmartOS compute nodes\n"
           "(worlds of zones and kstats), looks inside them, and runs scenarios.\n"
           "\n"
           "Subcommands:\n");
    for (const cmd_t *c = cmd_table; c->c_name != NULL; c++)
        printf("  %-8s %s\n", c->c_name, c->c_summary);
    printf("  %-8s %s\n", "help", "help SUBCOMMAND: that subcommand's help");
    printf("\n"
           "Options:\n"
           "  -h, --help               print this help and exit\n"
           "      --version            print the version and exit\n"
           "\n"
           "Each subcommand's options: cmon-sim SUBCOMMAND --help.\n"
           "\n"
           "Environment:\n"
           "  CMON_SIM_WORLD   the world's path (default /dev/shm/cmon-sim.world)\n");
}

static int
main_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "cmon-sim: %s%s\nTry 'cmon-sim --help'.\n", what, arg);
    return CMD_EXIT_USAGE;
}

static const cmd_t *
main_find(const char *name)
{
    for (const cmd_t *c = cmd_table; c->c_name != NULL; c++)
        if (strcmp(name, c->c_name) == 0)
            return c;
    return NULL;
}

/* `cmon-sim help [SUBCOMMAND]`. */
static int
main_help_of(int argc, char **argv)
{
    char help[] = "--help";
    const cmd_t *c;

    if (argc < 3) {
        main_help();
        return 0;
    }
    if ((c = main_find(argv[2])) == NULL)
        return main_usage_error("unknown subcommand: ", argv[2]);
    char *sub[] = {argv[2], help, NULL};
    return c->c_main(2, sub);
}

int
main(int argc, char **argv)
{
    const cmd_t *c;

    if (argc < 2)
        return main_usage_error("missing subcommand", "");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        main_help();
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cmon-sim %s\n", CMON_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0)
        return main_help_of(argc, argv);
    if (argv[1][0] == '-')
        return main_usage_error("unknown option: ", argv[1]);
    if ((c = main_find(argv[1])) == NULL)
        return main_usage_error("unknown subcommand: ", argv[1]);
    return c->c_main(argc - 1, argv + 1);
}
