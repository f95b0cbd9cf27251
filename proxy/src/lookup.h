/*
 * lookup.h - account look-ups on the control plane off the HTTP workers: a
 * new connection whose account is not cached is suspended while one of a
 * few lookup threads asks the control plane (accounts_get(), bounded by its
 * timeout), so a slow or silent control plane delays only the connections
 * that need it; clients already authenticated are served meanwhile.
 */
#ifndef CMON_PROXY_LOOKUP_H
#define CMON_PROXY_LOOKUP_H

#include "accounts.h"

typedef struct lookup lookup_t;

/*
 * Called once per look-up from a lookup thread (or lookup_stop's caller)
 * with what accounts_get() said: st, ref (a reference the receiver gives
 * back with accounts_put(), NULL unless ACCOUNTS_FOUND) and why. It must
 * not block.
 */
typedef void (*lookup_done_fn)(void *arg, accounts_status_t st, accounts_ref_t *ref,
                               const char *why);

/* lookup_start() - threads (1 to 16) asking acc. NULL (errno). */
lookup_t *lookup_start(accounts_t *acc, unsigned threads);

/* lookup_submit() - queues a look-up of login (copied). 0, or -1 (too long,
 * ENOMEM, stopping): done is then never called. */
int lookup_submit(lookup_t *l, const char *login, lookup_done_fn done, void *arg);

/* lookup_stop() - ends the queued look-ups as ACCOUNTS_UNAVAILABLE, waits
 * for those in progress, frees. NULL is fine. */
void lookup_stop(lookup_t *l);

#endif
