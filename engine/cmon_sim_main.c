/*
 * main.c - cmon-sim: dispatches to a subcommand of cmd_table.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void
main_usage(FILE *f)
{
    fprintf(f, "usage:\n");
    for (const cmd_t *c = cmd_table; c->c_name != NULL; c++)
        fprintf(f, "  cmon-sim %s\n", c->c_usage);
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "cmon-sim: missing subcommand\n");
        main_usage(stderr);
        return CMD_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        main_usage(stdout);
        return 0;
    }
    for (const cmd_t *c = cmd_table; c->c_name != NULL; c++)
        if (strcmp(argv[1], c->c_name) == 0)
            return c->c_main(argc - 1, argv + 1);
    fprintf(stderr, "cmon-sim: unknown subcommand: %s\n", argv[1]);
    main_usage(stderr);
    return CMD_EXIT_USAGE;
}
