/*
 * accounts.h - the proxy's look-up of accounts by login on the control
 * plane (GET <cplane>/accounts/<login>, mahi's role), behind a cache as
 * Triton's: least recently used, `capacity` entries, each kept `ttl_s`
 * seconds, successes only (an unknown login is asked again next time, so an
 * account made a moment ago is found). Thread-safe; a look-up that misses
 * the cache performs one HTTP request (bounded by timeout_ms) in the
 * calling thread, outside the lock.
 */
#ifndef CMON_PROXY_ACCOUNTS_H
#define CMON_PROXY_ACCOUNTS_H

#include <stddef.h>

#include "auth.h"

typedef struct accounts accounts_t;

typedef struct accounts_opts {
    const char *ao_cplane; /* base URL, "http://127.0.0.1:8080" */
    size_t ao_capacity;    /* entries (default 50) */
    double ao_ttl_s;       /* seconds an entry is trusted (default 300) */
    int ao_timeout_ms;     /* per request to the control plane */
} accounts_opts_t;

typedef enum accounts_status {
    ACCOUNTS_FOUND = 0,
    ACCOUNTS_UNKNOWN,     /* the control plane says no such login (404) */
    ACCOUNTS_UNAVAILABLE, /* no answer, or one that makes no sense */
} accounts_status_t;

/* accounts_new() - NULL (errno EINVAL, ENOMEM). The strings are copied. */
accounts_t *accounts_new(const accounts_opts_t *opts);

/* accounts_free() - NULL is fine. Every account got must be put back first. */
void accounts_free(accounts_t *c);

/*
 * accounts_get() - the record of login. ACCOUNTS_FOUND with *ref holding a
 * reference (its record: accounts_ref_account()) the caller gives back with
 * accounts_put(); otherwise *ref is NULL and why says what went wrong (for
 * the log). A record stays valid while referenced, even once evicted.
 */
typedef struct accounts_ref accounts_ref_t;
accounts_status_t accounts_get(accounts_t *c, const char *login, accounts_ref_t **ref, char *why,
                               size_t whylen);

/*
 * accounts_cached() - accounts_get() without asking the control plane: 1
 * with *ref when login is in the cache and fresh, 0 (*ref NULL) otherwise.
 */
int accounts_cached(accounts_t *c, const char *login, accounts_ref_t **ref);

/* accounts_ref_account() - the record a reference holds. */
const auth_account_t *accounts_ref_account(const accounts_ref_t *ref);

/* accounts_put() - gives back a reference of accounts_get(). NULL is fine. */
void accounts_put(accounts_t *c, accounts_ref_t *ref);

/* accounts_fetches() - requests made to the control plane so far (tests). */
unsigned long accounts_fetches(accounts_t *c);

#endif
