/* cmd_util.c - argument parsing and messages shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmon_version.h"
#include "world.h"

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "cmon-sim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'cmon-sim %s --help'.\n", cmd);
    return CMD_EXIT_USAGE;
}

int
cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int
cmd_wants_version(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--version") == 0)
            return 1;
    return 0;
}

int
cmd_version(void)
{
    printf("cmon-sim %s\n", CMON_VERSION);
    return 0;
}

const char *
cmd_world_path(const char *path)
{
    const char *env = getenv(WORLD_ENV);

    if (path != NULL)
        return path;
    return env != NULL && *env != '\0' ? env : WORLD_DEFAULT_PATH;
}

int
cmd_option_error(const char *cmd, int c, const char *arg)
{
    char shortopt[3] = {'-', (char)optopt, '\0'};
    size_t len = strcspn(arg, "=");

    if (strncmp(arg, "--", 2) != 0) /* a short option, maybe inside a bundle: optopt */
        arg = shortopt, len = 2;
    if (c == ':')
        return cmd_usage_error(cmd, "missing value for %.*s", (int)len, arg);
    return cmd_usage_error(cmd, "unknown option: %.*s", (int)len, arg);
}
