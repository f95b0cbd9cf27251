/*
 * host.h - the proxy's Host rule (../shared/specs/triton-cmon.md): the first
 * label of the lower-cased Host names the target, "cmon" (the service
 * itself: discovery) or a UUID (the instance or compute node to scrape);
 * anything else is a 404. And the TLS server name (SNI) check: a client
 * that named one host in its handshake and another in Host is misdirected
 * (RFC 9110 15.5.20: 421). Pure string functions, no I/O.
 */
#ifndef CMON_PROXY_HOST_H
#define CMON_PROXY_HOST_H

#include <stddef.h>

#define HOST_UUID_LEN 36

typedef enum host_kind {
    HOST_BAD = 0, /* missing, malformed, or a first label that is neither */
    HOST_CMON,    /* "cmon.<anything>" */
    HOST_UUID,    /* "<uuid>.<anything>": hk_uuid holds it, lower case */
} host_kind_t;

typedef struct host_target {
    host_kind_t ht_kind;
    char ht_uuid[HOST_UUID_LEN + 1];
} host_target_t;

/*
 * host_parse() - classifies a Host header value (NULL: absent, HOST_BAD):
 * the name without its ":port" (or "[v6]:port"), lower-cased, first label.
 * A name longer than 253 characters, with empty labels or characters other
 * than letters, digits, '-', '.' and '_' is HOST_BAD.
 */
host_kind_t host_parse(const char *host, host_target_t *out);

/* host_is_uuid() - 1 when s is a UUID in 8-4-4-4-12 hex form (either case). */
int host_is_uuid(const char *s, size_t len);

/*
 * host_sni_agrees() - 1 when the TLS server name sni (NULL or "": none sent,
 * as for a client connecting to an IP address) is the same name as the
 * Host header's (port dropped, case-insensitive); 0 when they differ.
 */
int host_sni_agrees(const char *sni, const char *host);

#endif
