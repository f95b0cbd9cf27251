/*
 * vmrec.c - reading vminfod's VM records with jansson (vmrec.h).
 */
#include "vmrec.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "log.h"

/* ---- the NICs ------------------------------------------------------------- */

/* Copies the string member key of o into out; absent is "". -1 with err. */
static int
parse_str(const json_t *o, const char *key, size_t i, char *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(o, key);

    out[0] = '\0';
    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return snprintf(err, errlen, "nics[%zu].%s is not a string", i, key), -1;
    if (json_string_length(v) >= VMINFO_STR_MAX)
        return snprintf(err, errlen, "nics[%zu].%s is longer than %d bytes", i, key,
                        VMINFO_STR_MAX - 1),
               -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int
parse_nic(const json_t *n, size_t i, vminfo_nic_t *out, char *err, size_t errlen)
{
    if (!json_is_object(n))
        return snprintf(err, errlen, "nics[%zu] is not an object", i), -1;
    if (parse_str(n, "interface", i, out->vn_interface, err, errlen) != 0 ||
        parse_str(n, "nic_tag", i, out->vn_nic_tag, err, errlen) != 0 ||
        parse_str(n, "network_uuid", i, out->vn_network_uuid, err, errlen) != 0)
        return -1;
    if (out->vn_interface[0] == '\0')
        return snprintf(err, errlen, "nics[%zu] has no interface", i), -1;
    return 0;
}

/*
 * The first admin NIC's ip into core (an admin NIC without a string ip: the
 * next one). The ip goes into the URLs of the metric ports: an ip that is
 * no IPv4 or IPv6 address literal (inet_pton) gives no admin IP at all, and
 * a log line, rather than a request somewhere else.
 */
static void
parse_admin_ip(const json_t *vm, const json_t *nic, const vminfo_nic_t *n, vminfo_core_t *core,
               int *decided)
{
    const char *ip = json_string_value(json_object_get(nic, "ip"));
    unsigned char addr[sizeof(struct in6_addr)];

    if (*decided || ip == NULL || !vminfo_admin_tag(n->vn_nic_tag))
        return;
    *decided = 1;
    if (strlen(ip) < VMINFO_IP_MAX &&
        (inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1)) {
        snprintf(core->vc_admin_ip, sizeof(core->vc_admin_ip), "%s", ip);
        return;
    }
    const char *uuid = json_string_value(json_object_get(vm, "uuid"));
    log_msg(LOG_WARN, "VM %s: admin NIC %s: ip '%.64s' is not an IPv4 or IPv6 address; no admin IP",
            uuid ? uuid : "(no uuid)", n->vn_interface, ip);
}

static int
parse_nics(const json_t *vm, vminfo_rec_t *out, char *err, size_t errlen)
{
    const json_t *nics = json_object_get(vm, "nics");

    if (!json_is_object(vm) || nics == NULL)
        return snprintf(err, errlen, "not a VM record (no nics array)"), -1;
    if (!json_is_array(nics))
        return snprintf(err, errlen, "not a VM record: nics is not an array"), -1;
    if (json_array_size(nics) > VMINFO_NICS_MAX)
        return snprintf(err, errlen, "more than %d nics", VMINFO_NICS_MAX), -1;
    int decided = 0; /* the first admin NIC with an ip was met */
    for (size_t i = 0; i < json_array_size(nics); i++) {
        const json_t *nic = json_array_get(nics, i);
        vminfo_nic_t *n = &out->vr_nics.vs_nics[out->vr_nics.vs_count++];
        if (parse_nic(nic, i, n, err, errlen) != 0)
            return -1;
        parse_admin_ip(vm, nic, n, &out->vr_core, &decided);
    }
    return 0;
}

/* ---- the core parts ---------------------------------------------------------- */

int
vminfo_admin_tag(const char *tag)
{
    if (strncasecmp(tag, "admin", 5) != 0)
        return 0;
    tag += 5;
    if (*tag == '\0')
        return 1;
    if (strncasecmp(tag, "_rack_", 6) != 0 || tag[6] == '\0')
        return 0;
    for (tag += 6; *tag != '\0'; tag++)
        if (!isalnum((unsigned char)*tag) && *tag != '_' && *tag != '-')
            return 0;
    return 1;
}

/* JavaScript's truthiness of a JSON value (the original tested tags.smartdc_role so). */
static int
truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0 && !isnan(json_real_value(v));
    case JSON_TRUE:
    case JSON_OBJECT:
    case JSON_ARRAY:
        return 1;
    default:
        return 0;
    }
}

static void
parse_core(const json_t *vm, const char *admin_uuid, vminfo_core_t *core)
{
    const char *owner = json_string_value(json_object_get(vm, "owner_uuid"));
    const json_t *role = json_object_get(json_object_get(vm, "tags"), "smartdc_role");
    const json_t *p = json_object_get(json_object_get(vm, "customer_metadata"), "metricPorts");

    core->vc_role = role != NULL && truthy(role);
    core->vc_core =
        core->vc_role && admin_uuid != NULL && owner != NULL && strcmp(owner, admin_uuid) == 0;
    core->vc_has_ports = p != NULL && !json_is_null(p);
    if (json_is_string(p) && json_string_length(p) < VMINFO_PORTS_MAX)
        snprintf(core->vc_ports, sizeof(core->vc_ports), "%s", json_string_value(p));
}

int
vminfo_parse(const char *body, size_t len, const char *admin_uuid, vminfo_rec_t *out, char *err,
             size_t errlen)
{
    json_error_t je;
    json_t *vm = json_loadb(body, len, 0, &je);

    out->vr_nics.vs_count = 0;
    memset(&out->vr_core, 0, sizeof(out->vr_core));
    if (vm == NULL)
        return snprintf(err, errlen, "not JSON: %s at line %d column %d", je.text, je.line,
                        je.column),
               -1;
    int rc = parse_nics(vm, out, err, errlen);
    if (rc == 0)
        parse_core(vm, admin_uuid, &out->vr_core);
    json_decref(vm);
    return rc;
}

const vminfo_nic_t *
vminfo_find(const vminfo_nics_t *nics, const char *ifname)
{
    for (size_t i = 0; i < nics->vs_count; i++)
        if (strcmp(nics->vs_nics[i].vn_interface, ifname) == 0)
            return &nics->vs_nics[i];
    return NULL;
}

int
vminfo_ports(const char *text, unsigned *ports, int max, char *err, size_t errlen)
{
    int n = 0;
    for (const char *p = text;; p++) {
        size_t len = strcspn(p, ",");
        unsigned long v = 0;
        size_t i = 0;
        for (; i < len && p[i] >= '0' && p[i] <= '9' && v <= 65535; i++)
            v = v * 10 + (unsigned long)(p[i] - '0');
        if (len == 0 || i != len || v < 1 || v > 65535) {
            snprintf(err, errlen, "metricPorts '%s': '%.*s' is not a port number", text, (int)len,
                     p);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "metricPorts '%s': more than %d ports", text, max);
            return -1;
        }
        ports[n++] = (unsigned)v;
        p += len;
        if (*p == '\0')
            return n;
    }
}
