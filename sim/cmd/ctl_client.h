/*
 * ctl_client.h - a client of serve's control socket (control.h,
 * CONTROL.md): what `cmon-sim ctl`, the scenario engine's sim.attach and
 * cmon-bench --fault drive a running serve with.
 *
 * ctl_client_open() checks the socket before anything is sent, so that each
 * way it can be wrong has its own message: missing, not a socket, another
 * user's, or nobody answering (its serve died). A client keeps its
 * connection open between calls; one thread at a time.
 */
#ifndef CMON_CTL_CLIENT_H
#define CMON_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

typedef struct ctl_client ctl_client_t;

/*
 * ctl_client_path() - the control socket of a world: control if not NULL,
 * else the world's path (world; NULL: $CMON_SIM_WORLD, else the default)
 * and ".ctl", into out (len bytes). Returns out.
 */
char *ctl_client_path(const char *world, const char *control, char *out, size_t len);

/*
 * ctl_client_open() - a client of the control socket at path. NULL with one
 * line in err: "no control socket at PATH (is cmon-sim serve running?)",
 * "PATH is not a socket", "control socket PATH belongs to uid N, not to you
 * (uid M)", "nothing answers on PATH: its serve died", or the errno's text.
 */
ctl_client_t *ctl_client_open(const char *path, char *err, size_t errlen);

/*
 * ctl_client_call() - sends method ("GET"/"POST") path ("/v1/...") with
 * body (NULL: none; not taken) and waits for the answer. Returns 0 when one
 * came: *status its HTTP status, *reply its JSON body (the caller's; NULL
 * when the body is not JSON). -1 when none came, with err.
 */
int ctl_client_call(ctl_client_t *c, const char *method, const char *path, const json_t *body,
                    long *status, json_t **reply, char *err, size_t errlen);

/*
 * ctl_client_message() - the message of an error answer ({"code","message"}),
 * or "" when it has none; owned by reply.
 */
const char *ctl_client_message(const json_t *reply);

/* ctl_client_close() - closes the connection and frees c (NULL is fine). */
void ctl_client_close(ctl_client_t *c);

#endif /* CMON_CTL_CLIENT_H */
