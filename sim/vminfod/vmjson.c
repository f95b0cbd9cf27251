/*
 * vmjson.c - a VM record as vmadm and vminfod print it (jansson), and the
 * check of the JSON objects a record keeps as text (tags, metadata).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vminfod.h"

/* Sets key to the string s unless s is empty (a field the record lacks). */
static int
vmjson_set_str(json_t *o, const char *key, const char *s)
{
    if (s[0] == '\0')
        return 0;
    return json_object_set_new(o, key, json_string(s));
}

static json_t *
vmjson_nic(const world_nic_t *n)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    if (vmjson_set_str(o, "interface", n->wn_interface) != 0 ||
        vmjson_set_str(o, "mac", n->wn_mac) != 0 ||
        vmjson_set_str(o, "nic_tag", n->wn_nic_tag) != 0 ||
        vmjson_set_str(o, "network_uuid", n->wn_network_uuid) != 0 ||
        vmjson_set_str(o, "ip", n->wn_ip) != 0 ||
        (n->wn_primary && json_object_set_new(o, "primary", json_true()) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The object kept as text; {} if it is not one (the world only stores checked text). */
static json_t *
vmjson_text_object(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);

    if (o != NULL && json_is_object(o))
        return o;
    json_decref(o);
    return json_object();
}

static int
vmjson_nics(json_t *rec, const world_vm_t *vm)
{
    json_t *a = json_array();

    if (a == NULL || json_object_set_new(rec, "nics", a) != 0)
        return -1;
    for (uint32_t i = 0; i < vm->wvm_nnics && i < WORLD_NICS_MAX; i++)
        if (json_array_append_new(a, vmjson_nic(&vm->wvm_nics[i])) != 0)
            return -1;
    return 0;
}

json_t *
vmjson_record(const world_vm_t *vm)
{
    json_t *o = json_object();
    int running = strcmp(vm->wvm_zone_state, "running") == 0;

    if (o == NULL)
        return NULL;
    if (json_object_set_new(o, "uuid", json_string(vm->wvm_uuid)) != 0 ||
        vmjson_set_str(o, "alias", vm->wvm_alias) != 0 ||
        json_object_set_new(o, "owner_uuid", json_string(vm->wvm_owner_uuid)) != 0 ||
        json_object_set_new(o, "brand", json_string(vm->wvm_brand)) != 0 ||
        json_object_set_new(o, "zonename", json_string(vm->wvm_uuid)) != 0 ||
        json_object_set_new(o, "zone_state", json_string(vm->wvm_zone_state)) != 0 ||
        json_object_set_new(o, "state", json_string(running ? "running" : "stopped")) != 0 ||
        json_object_set_new(o, "tags", vmjson_text_object(vm->wvm_tags)) != 0 ||
        json_object_set_new(o, "customer_metadata",
                            vmjson_text_object(vm->wvm_customer_metadata)) != 0 ||
        vmjson_nics(o, vm) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int
vmjson_object_text(const json_t *obj, int strings_only, char *out, size_t outlen, char *err,
                   size_t errlen)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    json_object_foreach((json_t *)obj, key, v)
    {
        if (strings_only && !json_is_string(v)) {
            snprintf(err, errlen, "key '%s' is not a string", key);
            return -1;
        }
    }
    char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = strlen(text);
    if (n >= outlen) {
        snprintf(err, errlen, "%zu bytes of JSON, at most %zu", n, outlen - 1);
        free(text);
        return -1;
    }
    memcpy(out, text, n + 1);
    free(text);
    return 0;
}
