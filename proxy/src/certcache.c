/* certcache - authentications by certificate digest (certcache.h). */
#include "certcache.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CERTCACHE_DIGEST 32 /* SHA-256 */

typedef struct slot {
    unsigned char s_digest[CERTCACHE_DIGEST];
    time_t s_until; /* 0: empty */
    certcache_who_t s_who;
} slot_t;

struct certcache {
    pthread_mutex_t c_lock;
    size_t c_n;
    double c_ttl_s;
    slot_t *c_slots;
};

certcache_t *
certcache_new(size_t capacity, double ttl_s)
{
    if (capacity == 0 || capacity > ((size_t)1 << 20) || !(ttl_s > 0)) {
        errno = EINVAL;
        return NULL;
    }
    certcache_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->c_slots = calloc(capacity, sizeof(slot_t))) == NULL) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->c_lock, NULL);
    c->c_n = capacity;
    c->c_ttl_s = ttl_s;
    return c;
}

void
certcache_free(certcache_t *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->c_lock);
    free(c->c_slots);
    free(c);
}

/* The digest of der and the slot it goes to. -1 when it cannot be hashed. */
static int
certcache_slot(const certcache_t *c, const unsigned char *der, size_t len,
               unsigned char digest[CERTCACHE_DIGEST], size_t *slot)
{
    uint64_t h;
    if (der == NULL || len == 0 || gnutls_hash_fast(GNUTLS_DIG_SHA256, der, len, digest) != 0)
        return -1;
    memcpy(&h, digest, sizeof(h));
    *slot = (size_t)(h % c->c_n);
    return 0;
}

int
certcache_get(certcache_t *c, const unsigned char *der, size_t len, time_t now,
              certcache_who_t *out)
{
    unsigned char d[CERTCACHE_DIGEST];
    size_t i;
    if (certcache_slot(c, der, len, d, &i) != 0)
        return 0;
    pthread_mutex_lock(&c->c_lock);
    const slot_t *s = &c->c_slots[i];
    int hit = s->s_until > now && memcmp(s->s_digest, d, sizeof(d)) == 0;
    if (hit)
        *out = s->s_who;
    pthread_mutex_unlock(&c->c_lock);
    return hit;
}

void
certcache_put(certcache_t *c, const unsigned char *der, size_t len, time_t now, time_t expires,
              const certcache_who_t *who)
{
    unsigned char d[CERTCACHE_DIGEST];
    size_t i;
    time_t until = now + (time_t)c->c_ttl_s;
    if (expires != 0 && expires < until)
        until = expires;
    if (until <= now || certcache_slot(c, der, len, d, &i) != 0)
        return;
    pthread_mutex_lock(&c->c_lock);
    slot_t *s = &c->c_slots[i];
    memcpy(s->s_digest, d, sizeof(d));
    s->s_until = until;
    s->s_who = *who;
    pthread_mutex_unlock(&c->c_lock);
}
