/*
 * cmd_zones.c - `cmon-sim zones`: the zones of a world, as `zoneadm list -p`
 * prints them: zoneid:zonename:state:zonepath:uuid:brand:ip-type, running
 * zones in zoneid order; -c adds the installed (halted) ones, zoneid "-".
 * Exit 0, 1 when the world cannot be read, 2 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "world.h"

static int
zones_cmp(const void *a, const void *b)
{
    const world_zone_info_t *x = a, *y = b;
    int xr = x->wzi_state == WORLD_ZONE_RUNNING, yr = y->wzi_state == WORLD_ZONE_RUNNING;

    if (xr != yr)
        return yr - xr; /* running first */
    if (xr)
        return (x->wzi_zoneid > y->wzi_zoneid) - (x->wzi_zoneid < y->wzi_zoneid);
    return x->wzi_zix - y->wzi_zix;
}

static void
zones_print(const world_zone_info_t *z)
{
    int global = z->wzi_zix == 0;
    char id[16];

    snprintf(id, sizeof(id), "%d", (int)z->wzi_zoneid);
    printf("%s:%s:%s:%s%s:%s:%s:%s\n", z->wzi_state == WORLD_ZONE_RUNNING ? id : "-", z->wzi_name,
           z->wzi_state == WORLD_ZONE_RUNNING ? "running" : "installed", global ? "/" : "/zones/",
           global ? "" : z->wzi_name, global ? "" : z->wzi_name, z->wzi_brand,
           global ? "shared" : "excl");
}

static int
zones_list(const world_t *w, int all)
{
    uint32_t cap = world_zone_capacity(w), n = 0;
    world_zone_info_t *zs = malloc(cap * sizeof(*zs));

    if (zs == NULL) {
        fprintf(stderr, "cmon-sim zones: out of memory\n");
        return 1;
    }
    for (int z = world_zone_next(w, -1); z >= 0 && n < cap; z = world_zone_next(w, z))
        if (world_zone_info(w, z, &zs[n]) == 0 && (all || zs[n].wzi_state == WORLD_ZONE_RUNNING))
            n++;
    qsort(zs, n, sizeof(*zs), zones_cmp);
    for (uint32_t i = 0; i < n; i++)
        zones_print(&zs[i]);
    free(zs);
    return 0;
}

const struct option cmd_zones_options[] = {
    {"configured", no_argument, NULL, 'c'},
    {"world", required_argument, NULL, 'w'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
zones_help(void)
{
    printf("Usage: cmon-sim zones [OPTION]...\n"
           "Lists the zones of a world as zoneadm list -p does, one line each:\n"
           "zoneid:zonename:state:zonepath:uuid:brand:ip-type, running zones by zoneid.\n"
           "\n"
           "Options:\n"
           "  -c, --configured         also the installed (halted) zones, with zoneid -\n"
           "  -w, --world=PATH         the world (default $%s, else %s)\n"
           "  -h, --help               print this help and exit\n"
           "      --version            print the version and exit\n"
           "\n"
           "Exit status:\n"
           "  0  the zones were listed\n"
           "  1  the world cannot be opened (the message says why)\n"
           "  2  usage error\n",
           WORLD_ENV, WORLD_DEFAULT_PATH);
}

int
cmd_zones_main(int argc, char **argv)
{
    const char *path = NULL;
    char err[512];
    int c, all = 0, rc;
    world_t *w;

    opterr = 0;
    optind = 1;
    for (int at = 1; (c = getopt_long(argc, argv, "+:cw:h", cmd_zones_options, NULL)) != -1;
         at = optind) {
        if (c == 'c')
            all = 1;
        else if (c == 'w')
            path = optarg;
        else if (c == 'h') {
            zones_help();
            return 0;
        } else if (c == 'V')
            return cmd_version();
        else
            return cmd_option_error("zones", c, argv[at]);
    }
    if (optind < argc)
        return cmd_usage_error("zones", "unexpected argument: %s", argv[optind]);
    if ((w = world_open(cmd_world_path(path), err, sizeof(err))) == NULL) {
        fprintf(stderr, "cmon-sim zones: %s\n", err);
        return 1;
    }
    rc = zones_list(w, all);
    world_close(w);
    return rc;
}
