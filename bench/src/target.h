/*
 * target.h - the request paths a run draws from: one per running instance
 * ("/v1/<uuid>/metrics"), taken from `zoneadm list -p` text (cmon-sim zones),
 * from Prometheus HTTP service-discovery JSON (/v1/discover), or from a file
 * of uuids. Parsing only; no I/O.
 */
#ifndef CMON_BENCH_TARGET_H
#define CMON_BENCH_TARGET_H

#include <stddef.h>

struct target_list {
    char **tl_path;          /* malloc'd request paths (or whole URLs, from a template) */
    const char *tl_template; /* how a uuid becomes a path: "{uuid}" replaced, every time it
                                occurs; NULL: "/v1/{uuid}/metrics". Set before adding. */
    size_t tl_n;
    size_t tl_cap;
};

/* Add one path (copied). Returns 0, or -1 with errno ENOMEM. */
int target_list_add(struct target_list *tl, const char *path);
/* Free every path; the list is empty afterwards. */
void target_list_release(struct target_list *tl);

/*
 * Parse `zoneadm list -p` lines (zoneid:zonename:state:...): every zone that
 * is "running" and not the global zone (zoneid 0) gives /v1/<zonename>/metrics.
 * Returns the number added, or -1 (errno EINVAL: a line is not in that format).
 */
int target_parse_zones(const char *text, struct target_list *tl);

/*
 * Parse discovery JSON: an array of target groups; each group's
 * labels.__metrics_path__ is taken, or /v1/<labels.vm_uuid>/metrics.
 * Returns the number added, or -1 (errno EINVAL: not discovery JSON).
 */
int target_parse_discover(const char *json, struct target_list *tl);

/*
 * Parse a zones file: either `zoneadm list -p` lines or one uuid a line
 * ('#' comments and blank lines skipped). Returns the number added or -1 (EINVAL).
 */
int target_parse_file(const char *text, struct target_list *tl);

/*
 * For each path of src of the form /v1/<uuid>/metrics, add tmpl with {uuid}
 * replaced to dst (other paths are skipped). Returns the number added, or -1
 * (errno ENOMEM, or EINVAL when the result would pass 1,024 bytes).
 */
int target_list_retemplate(const struct target_list *src, const char *tmpl,
                           struct target_list *dst);

/* 1 if s looks like a UUID (8-4-4-4-12 hex digits), else 0. */
int target_is_uuid(const char *s);

#endif
