/*
 * ntpq - the fake ntpq of the simulated compute node: it prints what ntpq
 * 4.2.8 prints for the commands cmon-agent runs (`-n -c apeers`; `-n -c
 * iostats -c kerninfo -c monstats -c sysinfo -c sysstats [-c "readvar N"]`),
 * from the NTP state of the world named by CMON_SIM_WORLD (world_ntp.h) at
 * the world's virtual time, as the fake libkstat reads kstats from it.
 *
 * ntpd down: "<argv0>: read: Connection refused" on stderr, exit 1, as
 * ntpq says it when nothing answers on the NTP control port. Installed in
 * PREFIX/lib/cmon-sim beside the fake kernel's libraries (it is the
 * simulator's, no program for users' PATH); cmon-agent --ntpq names it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "world.h"
#include "world_ntp.h"

#define NTPQ_COMMANDS_MAX 16

static void
usage(const char *prog)
{
    fprintf(stderr,
            "ntpq - standard NTP query program (cmon-sim's fake) - Ver. 4.2.8p15\n"
            "Usage: %s [ -<flag> [<val>] | --<name>[{=| }<val>] ]... [ host ...]\n"
            "  -n          numeric host addresses\n"
            "  -c cmd      run a command (apeers, iostats, kerninfo, monstats, sysinfo,\n"
            "              sysstats, readvar ASSID)\n"
            "The NTP state is the world's at $CMON_SIM_WORLD (cmon-sim).\n",
            prog);
}

/* The -c commands of argv into cmds; their number, or -1 after a message. */
static int
parse_args(int argc, char **argv, const char **cmds)
{
    int n = 0, opt;
    while ((opt = getopt(argc, argv, "46dinc:w")) != -1) {
        if (opt == 'c') {
            if (n == NTPQ_COMMANDS_MAX) {
                fprintf(stderr, "%s: too many commands\n", argv[0]);
                return -1;
            }
            cmds[n++] = optarg;
        } else if (opt == '?') {
            usage(argv[0]);
            return -1;
        }
    }
    return n;
}

/* Sleeps until killed: the ntpq that never answers. */
static void
hang(void)
{
    for (;;) {
        struct timespec ts = {3600, 0};
        nanosleep(&ts, NULL);
    }
}

static int
run(const char *prog, world_t *w, const char **cmds, int n)
{
    world_ntp_state_t st;
    if (world_ntp_state_read(w, &st) != 0) {
        fprintf(stderr, "%s: ntp state of %s: %s\n", prog, world_path(w), strerror(errno));
        return 1;
    }
    if (!st.wns_up) {
        fprintf(stderr, "%s: read: Connection refused\n", prog);
        return 1;
    }
    if (st.wns_garble == WORLD_NTP_GARBLE_HANG)
        hang();
    static world_ntp_view_t v;
    world_ntp_view(w, &st, world_time_now(w), &v);
    char *out = NULL;
    size_t len = 0;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (world_ntp_print(&st, &v, cmds[i], &out, &len) == 0)
            continue;
        if (errno == EINVAL)
            fprintf(stderr, "***Command `%s' unknown\n", cmds[i]);
        else if (errno == ENOENT)
            fprintf(stderr, "***Server reports a bad association id\n");
        else
            fprintf(stderr, "%s: %s\n", prog, strerror(errno));
        rc = 1;
    }
    if (st.wns_garble == WORLD_NTP_GARBLE_STDERR)
        fprintf(stderr, "%s: warning: clock is unsynchronised\n", prog);
    if (out != NULL && fwrite(out, 1, len, stdout) != len)
        rc = 1;
    free(out);
    return rc;
}

int
main(int argc, char **argv)
{
    const char *cmds[NTPQ_COMMANDS_MAX];
    int n = parse_args(argc, argv, cmds);
    if (n < 0)
        return 1;
    if (n == 0) {
        fprintf(stderr, "%s: no interactive mode here: give -c COMMAND\n", argv[0]);
        return 1;
    }
    char err[512];
    world_t *w = world_open(NULL, err, sizeof(err));
    if (w == NULL) {
        fprintf(stderr, "%s: %s\n", argv[0], err);
        return 1;
    }
    int rc = run(argv[0], w, cmds, n);
    world_close(w);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}
