/*
 * inv_parse.h - the control plane's JSON objects (sim/cplane API) read into
 * the store's records, and group names (the `triton.cmon.groups` tag, the
 * `groups` query of /v1/discover). Internal to inventory.c; no I/O.
 *
 * A record that cannot be used (a missing or mistyped field, a uuid that is
 * not one, an alias too long) gives -1 and *why, a static phrase naming the
 * cause, for the caller to log once per cause.
 */
#ifndef CMON_PROXY_INV_PARSE_H
#define CMON_PROXY_INV_PARSE_H

#include <jansson.h>

#include "inv_store.h"

#define INV_ALIAS_MAX 1024 /* bytes of an alias or a hostname kept; longer is refused */

/* A VM object into *out (zeroed first; free its strings with inv_vmrec_clear). */
int inv_parse_vm(const json_t *vm, inv_vmrec_t *out, const char **why);

/* A server object into *out (zeroed first; inv_srvrec_clear). */
int inv_parse_server(const json_t *server, inv_srvrec_t *out, const char **why);

/* Non-zero when name[0..len) is a group name: [A-Za-z0-9_-]{1,100}. */
int inv_group_name_valid(const char *name, size_t len);

/*
 * The tag's valid group names joined by ',' (malloc'd, "" when none): names
 * are trimmed of spaces, invalid ones and repeats dropped, at most
 * INV_GROUPS_MAX kept. NULL on ENOMEM.
 */
char *inv_groups_from_tag(const char *tag);

#endif /* CMON_PROXY_INV_PARSE_H */
