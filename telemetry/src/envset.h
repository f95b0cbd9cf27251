/* envset: the environment changes `containerpilot -putenv` (POST
 * /v3/environ) made, applied to every job and sensor started afterwards.
 *
 * ContainerPilot set them in its own process environment (os.Setenv); here
 * they are kept apart, because setenv() is not safe while other threads
 * (the HTTP server's) may read the environment, and handed to spawn_start()
 * as changes (cmon_spawn.h so_env). One mutex guards the set; a later value
 * of a name replaces the earlier one. At most ENVSET_MAX names, each
 * NAME=VALUE at most ENVSET_MAX_LEN bytes. */
#ifndef TELEMETRY_ENVSET_H
#define TELEMETRY_ENVSET_H

#include <pthread.h>
#include <stddef.h>

#include "sbuf.h"

#define ENVSET_MAX 1024
#define ENVSET_MAX_LEN 32768

struct envset {
    pthread_mutex_t es_lock;
    char **es_vars; /* "NAME=VALUE", es_n of them */
    size_t es_n;
};

/* envset_init: an empty set. envset_free: releases it. */
void envset_init(struct envset *e);
void envset_free(struct envset *e);

/* envset_put: a POST /v3/environ body, a JSON object of NAME: "VALUE"
 * (strings only, as ContainerPilot's map[string]string). All or nothing:
 * returns 200 (set), 422 (not such an object, a name that is empty or holds
 * '=' or NUL, a value not a string or holding NUL, too long or too many);
 * msg receives a one-line reason. */
int envset_put(struct envset *e, const char *body, size_t len, sbuf_t *msg);

/* envset_snapshot: a NULL-terminated copy of the set, for so_env (NULL
 * when empty or out of memory); free it with envset_snapshot_free. */
char **envset_snapshot(struct envset *e);
void envset_snapshot_free(char **vars);

#endif
