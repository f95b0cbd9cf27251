/*
 * ipcount.h - connections at once per client IP address: a table of counts,
 * one entry per address that holds at least one connection.
 *
 * An address is its 16 bytes in IPv6 form, IPv4 ones mapped (::ffff:a.b.c.d),
 * so a dual-stack socket's IPv4 clients count as themselves. Memory is one
 * small entry per address with connections: bounded by the connections a
 * server admits. Not thread-safe: the caller holds its own lock.
 */
#ifndef CMON_IPCOUNT_H
#define CMON_IPCOUNT_H

#include <sys/socket.h>

typedef struct ipcount ipcount_t;

/* An address as the table keys it. */
typedef struct ipcount_key {
    unsigned char ik_addr[16];
} ipcount_key_t;

/* ipcount_new() - an empty table, or NULL (ENOMEM). */
ipcount_t *ipcount_new(void);

/* ipcount_free() - frees the table and its entries. NULL is fine. */
void ipcount_free(ipcount_t *t);

/* ipcount_key_of() - 1 with *key filled for an IPv4 or IPv6 address, 0 for
 * any other family (a unix socket: no address to count by). */
int ipcount_key_of(const struct sockaddr *sa, socklen_t len, ipcount_key_t *key);

/* ipcount_get() - connections counted for key now (0 for an unknown one). */
unsigned ipcount_get(const ipcount_t *t, const ipcount_key_t *key);

/* ipcount_add() - counts one more for key. 0, or -1 (ENOMEM: nothing changed). */
int ipcount_add(ipcount_t *t, const ipcount_key_t *key);

/* ipcount_del() - counts one less for key; its entry goes at 0. An unknown
 * key is ignored. */
void ipcount_del(ipcount_t *t, const ipcount_key_t *key);

/* ipcount_addresses() - addresses with connections now (tests). */
unsigned ipcount_addresses(const ipcount_t *t);

#endif /* CMON_IPCOUNT_H */
