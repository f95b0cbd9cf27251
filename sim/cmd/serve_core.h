/*
 * serve_core.h - `cmon-sim serve --core-zones N`: the first N zones become
 * Triton core zones (world_core.h) whose metric ports are served while the
 * world lives (coresvc.h).
 */
#ifndef CMON_SERVE_CORE_H
#define CMON_SERVE_CORE_H

#include "coresvc.h"
#include "world.h"

#define SERVE_CORE_ZONES_MAX 8

/*
 * serve_core_zones() - makes zones zix[0..n) core zones (roles cloudapi,
 * vmapi, cnapi, adminui, sapi, imgapi, mahi, cmon in turn; metric ports 8881 and 8882), says each
 * on stderr with the admin uuid, and serves them. NULL when n is 0 or after saying why on stderr.
 */
coresvc_t *serve_core_zones(world_t *w, const int *zix, unsigned n);

/* serve_core_role() - the role of core zone i (its alias is the role and "0"), NULL past the last.
 */
const char *serve_core_role(unsigned i);

#endif /* CMON_SERVE_CORE_H */
