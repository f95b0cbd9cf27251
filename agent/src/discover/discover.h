/*
 * discover.h - GET /v1/discover: Prometheus HTTP service-discovery JSON
 * (https://prometheus.io/docs/prometheus/latest/http_sd/) for the running
 * instances of this compute node. Built from the zone list alone: no kstat
 * is read, so it costs the same whatever the zones are doing.
 */
#ifndef CMON_AGENT_DISCOVER_H
#define CMON_AGENT_DISCOVER_H

#include <stddef.h>

/* One running instance, as the zone list knows it (strings owned by the caller). */
typedef struct discover_instance {
    const char *di_uuid;  /* zonename: the instance's uuid */
    const char *di_brand; /* joyent, joyent-minimal, lx, kvm, bhyve */
    const char *di_alias; /* NULL or "" when the instance has none */
} discover_instance_t;

/*
 * discover_json() - the SD document: one target group per instance, in the
 * order given, each {"targets": [target], "labels": {"__metrics_path__":
 * "/v1/<uuid>/metrics", "vm_uuid", "brand", "zonename", and "alias" when
 * there is one}}. target is the agent's host:port as Prometheus reaches it.
 * Returns a malloc'd NUL-terminated string (free()) and its length in *len,
 * or NULL with errno ENOMEM (or EINVAL for a NULL uuid/brand/target, or a
 * string that is not UTF-8).
 */
char *discover_json(const discover_instance_t *v, size_t n, const char *target, size_t *len);

/*
 * A cache of each instance's target group, already rendered: an
 * instance's group never changes while it runs, so a document for 10,000
 * instances is mostly a copy of cached groups; jansson renders only the
 * groups of instances it has not seen. Safe for concurrent use.
 */
typedef struct discover_cache discover_cache_t;

/* discover_cache_new() - an empty cache; NULL with ENOMEM. */
discover_cache_t *discover_cache_new(void);

/* discover_cache_free() - frees it. NULL is fine. */
void discover_cache_free(discover_cache_t *dc);

/*
 * discover_cache_json() - the same document as discover_json(), from the
 * cache; groups of instances no longer in v are dropped from it. Same
 * return and errors.
 */
char *discover_cache_json(discover_cache_t *dc, const discover_instance_t *v, size_t n,
                          const char *target, size_t *len);

/*
 * discover_alias_decode() - the alias as SmartOS vmadm stores it in the
 * zone configuration (attribute `alias`, base64, RFC 4648 with padding) into
 * out (outlen bytes, NUL included). Returns 0, or -1 with errno EINVAL when
 * b64 is not base64 or decodes to something that is not a label value (not
 * UTF-8, a NUL byte, empty), ERANGE when it does not fit.
 */
int discover_alias_decode(const char *b64, char *out, size_t outlen);

#endif /* CMON_AGENT_DISCOVER_H */
