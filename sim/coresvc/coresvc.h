/*
 * coresvc.h - the services of the world's core zones (world_core.h) over
 * real HTTP: each core zone gets an address of its own on the loopback
 * network (127.a.b.c, which Linux routes to lo without configuration) as its
 * admin IP, and each of its metric ports a libmicrohttpd server there that
 * answers GET /metrics with world_core_text() now (any other path 404). Run
 * by the world's writer: `cmon-sim serve --core-zones N` and the scenario
 * engine (sim.core_zone).
 *
 * The address is drawn at random among 127.100.0.1 .. 127.227.255.254 and
 * drawn again when one of the zone's ports is taken there (another run on
 * the same machine), so fixed ports like 8881 never collide.
 *
 * Faults per port, for bad-input tests (coresvc_mode_t): down (the port
 * closed: connections refused), hang (each answer held cs_delay_ms, real
 * time, before it is sent), status (500), and texts the original agent
 * refused: summary (a summary family added), untyped (an untyped family
 * added), notype (a sample before any TYPE), badname (a sample whose name
 * is no metric name), and agentname (a counter named as the agent's own
 * gauge tcp_metrics_available_boolean added).
 *
 * Errors: NULL or -1 with a one-line message in err, lowercase.
 */
#ifndef CMON_CORESVC_H
#define CMON_CORESVC_H

#include <stddef.h>

#include "world.h"
#include "world_core.h"

#define CORESVC_PORTS_MAX 64 /* ports of all core zones together */
#define CORESVC_IP_MAX 16    /* "127.200.255.254" */

typedef struct coresvc coresvc_t;

typedef enum coresvc_mode {
    CORESVC_OK = 0,
    CORESVC_DOWN,
    CORESVC_HANG,
    CORESVC_STATUS,
    CORESVC_SUMMARY,
    CORESVC_UNTYPED,
    CORESVC_NOTYPE,
    CORESVC_BADNAME,
    CORESVC_AGENTNAME
} coresvc_mode_t;

/* coresvc_mode_names - the modes' names in enum order, NULL-terminated ("ok", "down", ...). */
extern const char *const coresvc_mode_names[];

/* coresvc_new() - no zone served yet; w must outlive it. NULL (ENOMEM). */
coresvc_t *coresvc_new(world_t *w);

/*
 * coresvc_add() - makes zone zix a core zone of role (world_core_set())
 * with ports[0..n), at an address drawn as above, into ip (CORESVC_IP_MAX
 * bytes), and serves them. -1 with the reason in err ("port 8881 taken on
 * 16 addresses", "more than 64 ports", world_core_set()'s error).
 */
int coresvc_add(coresvc_t *cs, int zix, const char *role, const unsigned *ports, size_t n, char *ip,
                char *err, size_t errlen);

/*
 * coresvc_set_fault() - port `port` of zone zix misbehaves as mode from now
 * on (CORESVC_OK: behaves again; delay_ms for CORESVC_HANG). Leaving DOWN
 * opens the port again at the same address. -1 with the reason in err.
 */
int coresvc_set_fault(coresvc_t *cs, int zix, unsigned port, coresvc_mode_t mode, unsigned delay_ms,
                      char *err, size_t errlen);

/* coresvc_requests() - GET /metrics answered (or held) on that port so far; 0 if unknown. */
unsigned long coresvc_requests(const coresvc_t *cs, int zix, unsigned port);

/* coresvc_ip() - the admin IP of zone zix into ip; -1 when no port of it is served here. */
int coresvc_ip(const coresvc_t *cs, int zix, char ip[CORESVC_IP_MAX]);

/* coresvc_role() - its role, or NULL. */
const char *coresvc_role(const coresvc_t *cs, int zix);

/*
 * coresvc_free() - closes every port (held answers are let go at once),
 * waits for the answers in flight, frees cs (NULL is fine).
 */
void coresvc_free(coresvc_t *cs);

#endif /* CMON_CORESVC_H */
