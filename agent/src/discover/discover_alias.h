/*
 * discover_alias.h - each running instance's alias for GET /v1/discover,
 * read from its zone configuration through libzonecfg (attribute `alias`,
 * base64 as SmartOS vmadm stores it) and kept per instance: on illumos
 * zonecfg_get_handle() parses /etc/zones/<uuid>.xml, far too slow to do for
 * every zone of every discovery request.
 *
 * An instance's alias is read when discovery first sees it, again when it
 * has rebooted (a new zone id), and after DISCOVER_ALIAS_TTL seconds; those
 * re-reads of known instances are rate-limited (DISCOVER_ALIAS_RATE a
 * second, at most DISCOVER_ALIAS_BURST in one request) so that one request
 * never re-reads thousands of files. Instances not asked for during a TTL
 * are forgotten.
 */
#ifndef CMON_AGENT_DISCOVER_ALIAS_H
#define CMON_AGENT_DISCOVER_ALIAS_H

#include <stddef.h>
#include <zone.h>

#include "discover.h"
#include "sbuf.h"

#define DISCOVER_ALIAS_MAX 512    /* decoded alias, NUL included; longer ones are not served */
#define DISCOVER_ALIAS_TTL 60.0   /* seconds an alias is trusted */
#define DISCOVER_ALIAS_RATE 200.0 /* re-reads of known instances a second */
#define DISCOVER_ALIAS_BURST 200.0

typedef struct discover_alias discover_alias_t;

/* discover_alias_new() - an empty cache; NULL with ENOMEM. */
discover_alias_t *discover_alias_new(void);

/* discover_alias_free() - frees it. NULL is fine. */
void discover_alias_free(discover_alias_t *da);

/*
 * discover_alias_get() - the alias of the running instance zonename whose
 * zone id is id, into out (DISCOVER_ALIAS_MAX bytes): 1 when it has one, 0
 * when it has none (no `alias` attribute, no configuration, or a value that
 * is not base64 of a UTF-8 string: out is ""), -1 with ENOMEM. now is a
 * monotonic time in seconds. Safe for concurrent use.
 */
int discover_alias_get(discover_alias_t *da, const char *zonename, zoneid_t id, double now,
                       char *out);

/*
 * discover_alias_fill() - the same for n instances at once (one lock):
 * v[i].di_uuid is the zonename, ids[i] its zone id; sets every
 * v[i].di_alias to its alias, copied into arena (which must outlive v's
 * use), or NULL when it has none. 0, or -1 with ENOMEM (v's aliases are
 * then unset).
 */
int discover_alias_fill(discover_alias_t *da, discover_instance_t *v, const zoneid_t *ids, size_t n,
                        double now, sbuf_t *arena);

/*
 * discover_alias_read() - the alias straight from libzonecfg, no cache:
 * 1, 0 or -1 as above.
 */
int discover_alias_read(const char *zonename, char *out);

#endif /* CMON_AGENT_DISCOVER_ALIAS_H */
