/*
 * throttle.h - a token bucket per account: each account may send `burst`
 * requests at once, then `rate` a second (tokens refill continuously, up to
 * the burst). Thread-safe. Memory is bounded: at most `max_accounts` buckets
 * are kept; when the table is full, buckets that have refilled to the burst
 * (indistinguishable from a new account's) are dropped, and if none has,
 * the request is refused (an attacker cannot grow the table by minting
 * accounts: accounts come from the control plane, authenticated).
 */
#ifndef CMON_PROXY_THROTTLE_H
#define CMON_PROXY_THROTTLE_H

#include <stddef.h>

typedef struct throttle throttle_t;

/* throttle_new() - rate > 0 tokens/s, burst >= 1. NULL (errno EINVAL or ENOMEM). */
throttle_t *throttle_new(double rate, double burst, size_t max_accounts);

/* throttle_free() - NULL is fine. */
void throttle_free(throttle_t *t);

/*
 * throttle_take() - takes one token of account's bucket at time now_s
 * (seconds of a monotonic clock). 1 when the request may go, 0 when it must
 * be refused (429); *retry_s, when not NULL, is then the seconds until a
 * token is back (rounded up, at least 1).
 */
int throttle_take(throttle_t *t, const char *account, double now_s, unsigned *retry_s);

/* throttle_count() - buckets held (for tests and the proxy's metrics). */
size_t throttle_count(throttle_t *t);

#endif
