/*
 * serve_control.h - the control socket of `cmon-sim serve`: the control
 * protocol (control.h, CONTROL.md) over HTTP on a Unix socket.
 *
 * serve stays the only writer of its world: the server has no thread of its
 * own. serve's tick thread runs it in serve_control_sleep(), which it calls
 * instead of sleeping between ticks: it waits for the socket to have work
 * and applies each request as soon as it is whole, answering right away. A
 * request is applied, and its answer sent, within one tick (at once unless
 * the tick's own work is under way).
 *
 * The socket: created with mode 0600 (only serve's user may drive it).
 * serve_control_open() refuses a path that is not a socket, replaces a
 * stale socket (nothing answers: its serve died), and refuses one where
 * something answers (another serve) unless told to take it over: the
 * default socket PATH.ctl belongs to the holder of the world's lock
 * (world_lock_take), so a serve still answering there serves a world that
 * was removed from under it. serve_control_close() removes the socket
 * while it is still the one this serve made.
 */
#ifndef CMON_SERVE_CONTROL_H
#define CMON_SERVE_CONTROL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "world.h"

#define SERVE_CONTROL_SUFFIX ".ctl" /* the default socket: the world's path and this */

typedef struct serve_control serve_control_t;

/*
 * serve_control_open() - listens on the Unix socket at path for requests
 * to world w (the caller's writer handle); take_over non-zero replaces a
 * socket someone answers on (the caller holds the lock of the world the
 * path belongs to); core_zones, frozen and serial as control_new(). Returns the control, or NULL
 * with one line in err ("control socket PATH: CAUSE").
 */
serve_control_t *serve_control_open(world_t *w, const char *path, int take_over,
                                    unsigned core_zones, int frozen, uint64_t serial, char *err,
                                    size_t errlen);

/*
 * serve_control_sleep() - waits ns nanoseconds, serving the socket and
 * applying every request that comes meanwhile (at once), and returns early
 * when *stop becomes non-zero (checked at least every 100 ms). With sc NULL
 * it only sleeps. From the world's writer thread only.
 */
void serve_control_sleep(serve_control_t *sc, uint64_t ns, volatile sig_atomic_t *stop);

/* serve_control_frozen() - 1 while a client froze virtual time (0 for sc NULL). */
int serve_control_frozen(const serve_control_t *sc);

/*
 * serve_control_close() - closes the connections (a request not yet whole
 * is never applied), removes the socket (while it is still this one) and
 * frees sc. NULL is ignored.
 */
void serve_control_close(serve_control_t *sc);

#endif /* CMON_SERVE_CONTROL_H */
