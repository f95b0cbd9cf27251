/*
 * serve_core.c - the core zones of `cmon-sim serve --core-zones` (serve_core.h).
 */
#include <stdio.h>

#include "serve_core.h"

static const char *const serve_core_roles[SERVE_CORE_ZONES_MAX] = {
    "cloudapi", "vmapi", "cnapi", "adminui", "sapi", "imgapi", "mahi", "cmon"};

const char *
serve_core_role(unsigned i)
{
    return i < SERVE_CORE_ZONES_MAX ? serve_core_roles[i] : NULL;
}

coresvc_t *
serve_core_zones(world_t *w, const int *zix, unsigned n)
{
    static const unsigned ports[] = {8881, 8882};
    char admin[WORLD_VM_UUID_MAX], ip[CORESVC_IP_MAX], err[256];
    if (n == 0)
        return NULL;
    coresvc_t *cs = coresvc_new(w);
    if (cs == NULL) {
        fprintf(stderr, "cmon-sim serve: core zones: out of memory\n");
        return NULL;
    }
    world_admin_uuid(w, admin);
    fprintf(stderr, "cmon-sim serve: admin uuid %s (cmon-agent --admin-uuid)\n", admin);
    for (unsigned i = 0; i < n && i < SERVE_CORE_ZONES_MAX; i++) {
        world_zone_info_t zi;
        if (coresvc_add(cs, zix[i], serve_core_roles[i], ports, 2, ip, err, sizeof(err)) != 0 ||
            world_zone_info(w, zix[i], &zi) != 0) {
            fprintf(stderr, "cmon-sim serve: core zone %u: %s\n", i, err);
            coresvc_free(cs);
            return NULL;
        }
        fprintf(stderr, "cmon-sim serve: core zone %s (%s) at %s, metric ports 8881,8882\n",
                zi.wzi_name, serve_core_roles[i], ip);
    }
    return cs;
}
