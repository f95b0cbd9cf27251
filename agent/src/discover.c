/*
 * discover.c - the HTTP service-discovery document, built with jansson.
 */
#include "discover.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets key to the string s (steals nothing); -1 when s is not UTF-8 or no memory. */
static int
set_str(json_t *obj, const char *key, const char *s)
{
    json_t *v = json_string(s);
    if (v == NULL)
        return -1;
    return json_object_set_new_nocheck(obj, key, v);
}

static json_t *
group_new(const discover_instance_t *in, json_t *targets)
{
    json_t *g = json_object(), *labels = json_object();
    char path[128];
    int rc = 0;
    if (g == NULL || labels == NULL) {
        json_decref(g);
        json_decref(labels);
        return NULL;
    }
    snprintf(path, sizeof(path), "/v1/%s/metrics", in->di_uuid);
    rc |= set_str(labels, "__metrics_path__", path);
    rc |= set_str(labels, "vm_uuid", in->di_uuid);
    rc |= set_str(labels, "brand", in->di_brand);
    rc |= set_str(labels, "zonename", in->di_uuid);
    if (in->di_alias != NULL && in->di_alias[0] != '\0')
        rc |= set_str(labels, "alias", in->di_alias);
    rc |= json_object_set_nocheck(g, "targets", targets);
    rc |= json_object_set_new_nocheck(g, "labels", labels);
    if (rc != 0) {
        json_decref(g);
        return NULL;
    }
    return g;
}

static json_t *
doc_new(const discover_instance_t *v, size_t n, const char *target)
{
    json_t *doc = json_array(), *targets = json_array();
    size_t i;
    if (doc == NULL || targets == NULL || json_array_append_new(targets, json_string(target))) {
        json_decref(doc);
        json_decref(targets);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        json_t *g;
        if (v[i].di_uuid == NULL || v[i].di_brand == NULL ||
            (g = group_new(&v[i], targets)) == NULL || json_array_append_new(doc, g) != 0) {
            json_decref(doc);
            json_decref(targets);
            return NULL;
        }
    }
    json_decref(targets); /* each group holds its own reference */
    return doc;
}

char *
discover_json(const discover_instance_t *v, size_t n, const char *target, size_t *len)
{
    json_t *doc;
    char *s;
    if (target == NULL) {
        errno = EINVAL;
        return NULL;
    }
    doc = doc_new(v, n, target);
    if (doc == NULL) {
        errno = EINVAL;
        return NULL;
    }
    s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (s == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    *len = strlen(s);
    return s;
}
