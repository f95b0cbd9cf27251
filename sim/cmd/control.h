/*
 * control.h - the control protocol of `cmon-sim serve` (CONTROL.md), applied
 * to a world by its writer.
 *
 * A request is an HTTP method, a path and a JSON body; its answer an HTTP
 * status and a JSON body ({"code","message"} on error). This module knows
 * neither sockets nor threads: serve_control.c carries requests from the
 * control socket to the thread that writes the world and calls
 * control_apply() there, and the tests call it directly.
 *
 * Invariants:
 *   - control_apply() is a writer call: from the world's writer thread only.
 *   - A request that fails changes nothing (a zone action checks every zone
 *     it names before it changes one; a batch of new zones is refused whole
 *     when the world has no room for all of them).
 *   - The world keeps no readable fault table, so the control keeps the list
 *     of the faults it set (serve sets none of its own): clearing some of
 *     them clears the world's and sets the others again.
 */
#ifndef CMON_CONTROL_H
#define CMON_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "world.h"

#define CONTROL_BODY_MAX 65536   /* bytes of a request body; more is 413 */
#define CONTROL_CREATE_MAX 10000 /* zones one create request may add */
#define CONTROL_ADVANCE_MAX 1e9  /* seconds one time advance may move */

typedef struct control control_t;

/*
 * control_new() - the control of world w (the caller's writer handle, which
 * it keeps). The first core_zones zone slots after the global zone are core
 * zones: no `count` selector picks them. frozen: virtual time starts frozen
 * (serve --tick 0). serial: the first creation number of the zones it adds.
 * NULL with errno ENOMEM.
 */
control_t *control_new(world_t *w, unsigned core_zones, int frozen, uint64_t serial);

/* control_free() - frees c; the world and its faults stay as they are. */
void control_free(control_t *c);

/*
 * control_frozen() - 1 while virtual time is frozen (time/freeze until
 * time/thaw): the writer's tick must not advance it.
 */
int control_frozen(const control_t *c);

/*
 * control_apply() - applies one request: method "GET" or "POST", path such
 * as "/v1/faults/set" (no query), body the JSON text (len bytes, may be
 * NULL/0 for none). Returns the HTTP status and sets *reply to the JSON
 * answer (owned by the caller; NULL only when out of memory, then the status
 * is 500): 200 done, 400 bad request, 404 unknown route, zone or module, 405
 * method, 409 conflict with the world's state (a zone in the wrong state,
 * the world full, 32 faults already).
 */
int control_apply(control_t *c, const char *method, const char *path, const char *body, size_t len,
                  json_t **reply);

/*
 * control_error() - the error body {"code": code, "message": the formatted
 * text}; NULL when out of memory.
 */
json_t *control_error(const char *code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* CMON_CONTROL_H */
