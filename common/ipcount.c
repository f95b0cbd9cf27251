/* ipcount - connections at once per client IP address (ipcount.h). */
#include "ipcount.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IPCOUNT_BUCKETS 1024 /* a power of two */

typedef struct ipcount_entry {
    struct ipcount_entry *ie_next;
    ipcount_key_t ie_key;
    unsigned ie_count;
} ipcount_entry_t;

struct ipcount {
    ipcount_entry_t *ic_bucket[IPCOUNT_BUCKETS];
    unsigned ic_addresses;
};

ipcount_t *
ipcount_new(void)
{
    return calloc(1, sizeof(ipcount_t));
}

void
ipcount_free(ipcount_t *t)
{
    if (t == NULL)
        return;
    for (size_t b = 0; b < IPCOUNT_BUCKETS; b++)
        for (ipcount_entry_t *e = t->ic_bucket[b], *next; e != NULL; e = next) {
            next = e->ie_next;
            free(e);
        }
    free(t);
}

int
ipcount_key_of(const struct sockaddr *sa, socklen_t len, ipcount_key_t *key)
{
    memset(key, 0, sizeof(*key));
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        memcpy(key->ik_addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 1;
    }
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        key->ik_addr[10] = key->ik_addr[11] = 0xff; /* ::ffff:a.b.c.d */
        memcpy(key->ik_addr + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 1;
    }
    return 0;
}

/* FNV-1a of the address: the bucket. */
static size_t
ipcount_bucket(const ipcount_key_t *key)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof(key->ik_addr); i++)
        h = (h ^ key->ik_addr[i]) * 16777619u;
    return h & (IPCOUNT_BUCKETS - 1);
}

/* The link pointing at key's entry (at the NULL ending its chain when none). */
static ipcount_entry_t **
ipcount_find(const ipcount_t *t, const ipcount_key_t *key)
{
    ipcount_entry_t *const *at = &t->ic_bucket[ipcount_bucket(key)];
    while (*at != NULL && memcmp(&(*at)->ie_key, key, sizeof(*key)) != 0)
        at = &(*at)->ie_next;
    return (ipcount_entry_t **)at;
}

unsigned
ipcount_get(const ipcount_t *t, const ipcount_key_t *key)
{
    ipcount_entry_t *e = *ipcount_find(t, key);
    return e != NULL ? e->ie_count : 0;
}

int
ipcount_add(ipcount_t *t, const ipcount_key_t *key)
{
    ipcount_entry_t **at = ipcount_find(t, key);
    if (*at == NULL) {
        ipcount_entry_t *e = calloc(1, sizeof(*e));
        if (e == NULL) {
            errno = ENOMEM;
            return -1;
        }
        e->ie_key = *key;
        *at = e;
        t->ic_addresses++;
    }
    (*at)->ie_count++;
    return 0;
}

void
ipcount_del(ipcount_t *t, const ipcount_key_t *key)
{
    ipcount_entry_t **at = ipcount_find(t, key), *e = *at;
    if (e == NULL || --e->ie_count > 0)
        return;
    *at = e->ie_next;
    free(e);
    t->ic_addresses--;
}

unsigned
ipcount_addresses(const ipcount_t *t)
{
    return t->ic_addresses;
}
