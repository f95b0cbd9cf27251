/*
 * certcache.h - authentications already made, by client certificate: a
 * client that connects again with the same certificate (Prometheus after a
 * restart, a new connection after an idle one closed) is not checked again
 * (parsing a certificate with OpenSSL 3 alone costs 0.1 to 0.2 ms: the
 * first line of bench-proxy).
 *
 * The key is the SHA-256 of the whole certificate (DER), so another
 * certificate never matches; the TLS handshake has already proven that the
 * client holds the certificate's private key. Only successes are kept, each
 * until the earlier of now + ttl and the expiry the caller gives (the
 * certificate's notAfter when it is enforced), so a key removed from an
 * account stops working within the same TTL as the account cache's.
 *
 * Bounded: a table of `capacity` slots, one entry per slot, chosen by the
 * digest; a new entry takes the place of whatever held its slot. Thread-safe.
 */
#ifndef CMON_PROXY_CERTCACHE_H
#define CMON_PROXY_CERTCACHE_H

#include <stddef.h>
#include <time.h>

#include "auth.h"

typedef struct certcache certcache_t;

/* Who a certificate authenticated as. */
typedef struct certcache_who {
    char cw_account[AUTH_UUID_LEN + 1];
    char cw_login[AUTH_LOGIN_MAX];
    int cw_operator;
} certcache_who_t;

/* certcache_new() - capacity >= 1 slots, ttl_s > 0. NULL (errno EINVAL, ENOMEM). */
certcache_t *certcache_new(size_t capacity, double ttl_s);

/* certcache_free() - NULL is fine. */
void certcache_free(certcache_t *c);

/* certcache_get() - 1 and *out filled when der authenticated before and its
 * entry lives at wall-clock time now; 0 otherwise. */
int certcache_get(certcache_t *c, const unsigned char *der, size_t len, time_t now,
                  certcache_who_t *out);

/* certcache_put() - keeps who for der from now until the earlier of now + ttl
 * and expires (0: no limit of the certificate's own). */
void certcache_put(certcache_t *c, const unsigned char *der, size_t len, time_t now, time_t expires,
                   const certcache_who_t *who);

#endif
