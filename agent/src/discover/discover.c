/*
 * discover.c - the HTTP service-discovery document, built with jansson.
 */
#include "discover.h"
#include "strhash.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
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

/* ---- the cache ------------------------------------------------------ */

#define DC_BUCKETS 16384

typedef struct dentry {
    struct dentry *de_next;
    char *de_uuid, *de_brand, *de_alias; /* the group's inputs */
    char *de_frag;                       /* its rendering */
    size_t de_len;
    unsigned de_gen; /* last document it was in */
} dentry_t;

struct discover_cache {
    pthread_mutex_t dc_lock;
    dentry_t *dc_buckets[DC_BUCKETS];
    unsigned dc_gen;
    char *dc_target; /* the groups were rendered for it */
};

static uint32_t
dc_hash(const char *s)
{
    return strhash_fnv1a(s) % DC_BUCKETS;
}

static void
dc_entry_free(dentry_t *e)
{
    free(e->de_uuid);
    free(e->de_brand);
    free(e->de_alias);
    free(e->de_frag);
    free(e);
}

discover_cache_t *
discover_cache_new(void)
{
    discover_cache_t *dc = calloc(1, sizeof(*dc));
    if (dc != NULL)
        pthread_mutex_init(&dc->dc_lock, NULL);
    return dc;
}

/* Drops the entries not used by generation gen (all of them for gen 0). */
static void
dc_sweep(discover_cache_t *dc, unsigned gen)
{
    for (size_t b = 0; b < DC_BUCKETS; b++) {
        dentry_t **pp = &dc->dc_buckets[b];
        while (*pp != NULL) {
            dentry_t *e = *pp;
            if (gen != 0 && e->de_gen == gen) {
                pp = &e->de_next;
                continue;
            }
            *pp = e->de_next;
            dc_entry_free(e);
        }
    }
}

void
discover_cache_free(discover_cache_t *dc)
{
    if (dc == NULL)
        return;
    dc_sweep(dc, 0);
    free(dc->dc_target);
    pthread_mutex_destroy(&dc->dc_lock);
    free(dc);
}

static int
dc_same(const char *a, const char *b)
{
    if (a == NULL || *a == '\0')
        return b == NULL || *b == '\0';
    return b != NULL && strcmp(a, b) == 0;
}

/* Renders in's group into a new entry; NULL on failure (errno set). */
static dentry_t *
dc_entry_new(const discover_instance_t *in, const char *target)
{
    json_t *targets = json_array(), *g;
    dentry_t *e = calloc(1, sizeof(*e));
    if (e == NULL || targets == NULL || json_array_append_new(targets, json_string(target)) != 0 ||
        (g = group_new(in, targets)) == NULL) {
        json_decref(targets);
        free(e);
        errno = EINVAL;
        return NULL;
    }
    json_decref(targets);
    e->de_frag = json_dumps(g, JSON_COMPACT);
    json_decref(g);
    e->de_uuid = strdup(in->di_uuid);
    e->de_brand = strdup(in->di_brand);
    e->de_alias = in->di_alias && *in->di_alias ? strdup(in->di_alias) : NULL;
    if (e->de_frag == NULL || e->de_uuid == NULL || e->de_brand == NULL ||
        (in->di_alias && *in->di_alias && e->de_alias == NULL)) {
        dc_entry_free(e);
        errno = ENOMEM;
        return NULL;
    }
    e->de_len = strlen(e->de_frag);
    return e;
}

/* The entry of in, current for this document; NULL on failure. */
static dentry_t *
dc_get(discover_cache_t *dc, const discover_instance_t *in)
{
    if (in->di_uuid == NULL || in->di_brand == NULL) {
        errno = EINVAL;
        return NULL;
    }
    dentry_t **pp = &dc->dc_buckets[dc_hash(in->di_uuid)];
    for (; *pp != NULL; pp = &(*pp)->de_next) {
        dentry_t *e = *pp;
        if (strcmp(e->de_uuid, in->di_uuid) != 0)
            continue;
        if (strcmp(e->de_brand, in->di_brand) == 0 && dc_same(e->de_alias, in->di_alias)) {
            e->de_gen = dc->dc_gen;
            return e;
        }
        *pp = e->de_next; /* changed: render it again */
        dc_entry_free(e);
        break;
    }
    dentry_t *e = dc_entry_new(in, dc->dc_target);
    if (e == NULL)
        return NULL;
    e->de_gen = dc->dc_gen;
    e->de_next = dc->dc_buckets[dc_hash(in->di_uuid)];
    dc->dc_buckets[dc_hash(in->di_uuid)] = e;
    return e;
}

/* Appends the document of v into *out (malloc'd) under the lock. 0 or -1. */
static int
dc_build(discover_cache_t *dc, const discover_instance_t *v, size_t n, char **out, size_t *len)
{
    size_t cap = 3 + n * 256, used = 0; /* [ ] and the NUL */
    char *buf = malloc(cap);
    if (buf == NULL)
        return -1;
    buf[used++] = '[';
    for (size_t i = 0; i < n; i++) {
        dentry_t *e = dc_get(dc, &v[i]);
        if (e == NULL) {
            free(buf);
            return -1;
        }
        if (used + e->de_len + 3 > cap) {
            char *nb = realloc(buf, cap = (used + e->de_len + 3) * 2);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
        }
        if (i > 0)
            buf[used++] = ',';
        memcpy(buf + used, e->de_frag, e->de_len);
        used += e->de_len;
    }
    buf[used++] = ']';
    buf[used] = '\0';
    *out = buf;
    *len = used;
    return 0;
}

char *
discover_cache_json(discover_cache_t *dc, const discover_instance_t *v, size_t n,
                    const char *target, size_t *len)
{
    char *doc = NULL;
    if (target == NULL) {
        errno = EINVAL;
        return NULL;
    }
    pthread_mutex_lock(&dc->dc_lock);
    if (dc->dc_target == NULL || strcmp(dc->dc_target, target) != 0) {
        dc_sweep(dc, 0);
        free(dc->dc_target);
        dc->dc_target = strdup(target);
    }
    if (++dc->dc_gen == 0)
        dc->dc_gen = 1;
    if (dc->dc_target != NULL && dc_build(dc, v, n, &doc, len) == 0 && dc->dc_gen % 16 == 0)
        dc_sweep(dc, dc->dc_gen); /* gone instances, now and then */
    pthread_mutex_unlock(&dc->dc_lock);
    return doc;
}

/* ---- the alias attribute ------------------------------------------ */

/* The 6-bit value of base64 digit c, or -1. */
static int
b64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes the 4 digits at s (the last quantum may end in '=' or "=="); bytes out, or -1. */
static int
b64_quantum(const char *s, int last, unsigned char *out)
{
    int d[4], pad = 0;
    for (int j = 0; j < 4; j++) {
        if (s[j] == '=' && last && j >= 2 && (j == 3 || s[3] == '=')) {
            d[j] = 0;
            pad++;
        } else if ((d[j] = b64_digit(s[j])) < 0) {
            return -1;
        }
    }
    unsigned v = (unsigned)d[0] << 18 | (unsigned)d[1] << 12 | (unsigned)d[2] << 6 | (unsigned)d[3];
    out[0] = (unsigned char)(v >> 16);
    out[1] = (unsigned char)(v >> 8);
    out[2] = (unsigned char)v;
    return 3 - pad;
}

int
discover_alias_decode(const char *b64, char *out, size_t outlen)
{
    size_t n = b64 ? strlen(b64) : 0, k = 0;
    if (n == 0 || n % 4 != 0 || outlen == 0) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < n; i += 4) {
        unsigned char q[3];
        int got = b64_quantum(b64 + i, i + 4 == n, q);
        if (got < 0 || memchr(q, '\0', (size_t)got) != NULL) {
            errno = EINVAL;
            return -1;
        }
        if (k + (size_t)got >= outlen) {
            errno = ERANGE;
            return -1;
        }
        memcpy(out + k, q, (size_t)got);
        k += (size_t)got;
    }
    out[k] = '\0';
    json_t *valid = json_stringn(out, k); /* NULL when not UTF-8 */
    if (valid == NULL) {
        errno = EINVAL;
        return -1;
    }
    json_decref(valid);
    return 0;
}
