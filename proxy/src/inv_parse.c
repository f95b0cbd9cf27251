/* inv_parse - the control plane's JSON into the store's records (see inv_parse.h). */
#include "inv_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/* The string member key of obj, NULL when absent or not a string. */
static const char *
member_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A uuid member: 0, -1 when absent, not a string or not a uuid. */
static int
member_uuid(const json_t *obj, const char *key, uint8_t out[16])
{
    return inv_uuid_parse(member_string(obj, key), out);
}

/* A string as a JSON literal, quotes included (jansson escapes it); NULL on ENOMEM. */
static char *
json_literal(const json_t *str)
{
    return json_dumps(str, JSON_ENCODE_ANY);
}

/* An optional string member as a JSON literal: absent or null is "". -1 when it has
 * another type or is longer than INV_ALIAS_MAX. */
static int
member_literal(const json_t *obj, const char *key, char **out)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = strdup("\"\"");
    } else {
        if (!json_is_string(v) || json_string_length(v) > INV_ALIAS_MAX)
            return -1;
        *out = json_literal(v);
    }
    return *out ? 0 : -2;
}

static int
vm_ids(const json_t *vm, inv_vmrec_t *out, const char **why)
{
    if (member_uuid(vm, "uuid", out->vr_uuid) != 0)
        *why = "a vm without a valid uuid";
    else if (member_uuid(vm, "owner_uuid", out->vr_owner) != 0)
        *why = "a vm without a valid owner_uuid";
    else if (member_uuid(vm, "server_uuid", out->vr_server) != 0)
        *why = "a vm without a valid server_uuid";
    else if (member_string(vm, "state") == NULL)
        *why = "a vm without a state";
    else
        return 0;
    return -1;
}

/* image_uuid: optional (null or absent: no image), else a uuid. */
static int
vm_image(const json_t *vm, inv_vmrec_t *out)
{
    const json_t *v = json_object_get(vm, "image_uuid");
    if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return 0;
    out->vr_has_image = 1;
    return inv_uuid_parse(json_string_value(v), out->vr_image);
}

/*
 * NAT zones are skipped on their tag smartdc_role = "nat", as Triton's cmon
 * does; never on an alias like "nat-*": the alias is the customer's choice,
 * and a customer's zone called "nat-gateway" must still be discovered.
 */
static int
vm_tags(const json_t *vm, inv_vmrec_t *out, const char **why)
{
    const json_t *tags = json_object_get(vm, "tags");
    if (tags == NULL || json_is_null(tags)) {
        out->vr_groups = strdup("");
        return out->vr_groups ? 0 : -1;
    }
    if (!json_is_object(tags)) {
        *why = "a vm whose tags are not an object";
        return -1;
    }
    const char *role = member_string(tags, "smartdc_role");
    out->vr_nat = role != NULL && strcmp(role, "nat") == 0;
    const char *groups = member_string(tags, "triton.cmon.groups");
    out->vr_groups = inv_groups_from_tag(groups ? groups : "");
    if (out->vr_groups == NULL)
        *why = "out of memory";
    return out->vr_groups ? 0 : -1;
}

int
inv_parse_vm(const json_t *vm, inv_vmrec_t *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(vm)) {
        *why = "a vm that is not an object";
        return -1;
    }
    if (vm_ids(vm, out, why) != 0)
        return -1;
    out->vr_running = strcmp(member_string(vm, "state"), "running") == 0;
    int rc = -1;
    if (vm_image(vm, out) != 0)
        *why = "a vm with an image_uuid that is not a uuid";
    else if ((rc = member_literal(vm, "alias", &out->vr_alias_json)) != 0)
        *why = rc == -1 ? "a vm whose alias is not a string (or too long)" : "out of memory";
    else if ((rc = member_literal(vm, "brand", &out->vr_brand_json)) != 0)
        *why = rc == -1 ? "a vm whose brand is not a string (or too long)" : "out of memory";
    else if (vm_tags(vm, out, why) == 0)
        return 0;
    inv_vmrec_clear(out);
    return -1;
}

/* An agent address as a URL may hold it: host:port of [A-Za-z0-9.-] or [v6]. */
static int
agent_valid(const char *agent)
{
    size_t n = agent ? strlen(agent) : 0;
    const char *colon = agent ? strrchr(agent, ':') : NULL;
    if (n == 0 || n >= INV_AGENT_MAX || colon == NULL || colon == agent || colon[1] == '\0')
        return 0;
    if (strspn(agent, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != n)
        return 0;
    return strspn(colon + 1, "0123456789") == strlen(colon + 1);
}

int
inv_parse_server(const json_t *server, inv_srvrec_t *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    const char *agent = member_string(server, "agent");
    const json_t *host = json_object_get(server, "hostname");

    if (!json_is_object(server))
        *why = "a server that is not an object";
    else if (member_uuid(server, "uuid", out->sr_uuid) != 0)
        *why = "a server without a valid uuid";
    else if (!agent_valid(agent))
        *why = "a server without an agent address (host:port)";
    else if (!json_is_string(host) || json_string_length(host) > INV_ALIAS_MAX)
        *why = "a server without a hostname";
    else if ((out->sr_hostname_json = json_literal(host)) == NULL)
        *why = "out of memory";
    else {
        memcpy(out->sr_agent, agent, strlen(agent) + 1);
        return 0;
    }
    return -1;
}

int
inv_group_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > INV_GROUP_LEN_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Whether name[0..len) is already one of the names joined in sb. */
static int
joined_has(const sbuf_t *sb, const char *name, size_t len)
{
    const char *p = sb->sb_buf;
    for (size_t off = 0; off < sb->sb_len;) {
        size_t n = strcspn(p + off, ",");
        if (n == len && memcmp(p + off, name, len) == 0)
            return 1;
        off += n + 1;
    }
    return 0;
}

char *
inv_groups_from_tag(const char *tag)
{
    sbuf_t sb = SBUF_INIT;
    size_t kept = 0;

    if (sbuf_init(&sb, strlen(tag) + 1) != 0)
        return NULL;
    for (const char *p = tag; *p && kept < INV_GROUPS_MAX;) {
        size_t n = strcspn(p, ",");
        const char *name = p;
        size_t len = n;
        while (len > 0 && *name == ' ')
            name++, len--;
        while (len > 0 && name[len - 1] == ' ')
            len--;
        if (inv_group_name_valid(name, len) && !joined_has(&sb, name, len)) {
            if (kept++ > 0)
                sbuf_addc(&sb, ',');
            sbuf_add(&sb, name, len);
        }
        p += n + (p[n] == ',');
    }
    if (sbuf_failed(&sb)) {
        sbuf_release(&sb);
        return NULL;
    }
    return sbuf_detach(&sb, NULL);
}

/* ---- the groups query of /v1/discover (inventory.h) ---- */

void
inventory_groups_free(inv_groups_t *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->ig_n; i++)
        free(g->ig_names[i]);
    free(g);
}

/* Adds query[0..len) to g, or -1 with the reason in err. */
static int
groups_add(inv_groups_t *g, const char *name, size_t len, char *err, size_t errlen)
{
    if (!inv_group_name_valid(name, len)) {
        snprintf(err, errlen, "groups: \"%.*s\" is not a group name ([A-Za-z0-9_-]{1,100})",
                 len > 40 ? 40 : (int)len, name);
        return -1;
    }
    if (g->ig_n == INV_GROUPS_MAX) {
        snprintf(err, errlen, "groups: more than %d groups", INV_GROUPS_MAX);
        return -1;
    }
    for (size_t i = 0; i < g->ig_n; i++)
        if (strlen(g->ig_names[i]) == len && memcmp(g->ig_names[i], name, len) == 0) {
            snprintf(err, errlen, "groups: \"%.*s\" is given twice", (int)len, name);
            return -1;
        }
    if ((g->ig_names[g->ig_n] = strndup(name, len)) == NULL) {
        snprintf(err, errlen, "groups: out of memory");
        return -1;
    }
    g->ig_n++;
    return 0;
}

int
inventory_groups_parse(const char *query, inv_groups_t **out, char *err, size_t errlen)
{
    if (out == NULL) {
        snprintf(err, errlen, "groups: no place for the result");
        return -1;
    }
    *out = NULL;
    if (query == NULL || query[0] == '\0')
        return 0;
    inv_groups_t *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        snprintf(err, errlen, "groups: out of memory");
        return -1;
    }
    for (const char *p = query;;) {
        size_t n = strcspn(p, ",");
        if (groups_add(g, p, n, err, errlen) != 0) {
            inventory_groups_free(g);
            return -1;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    *out = g;
    return 0;
}
