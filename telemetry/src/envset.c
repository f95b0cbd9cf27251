/* envset: -putenv's environment changes, kept for the jobs we start. */
#include "envset.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void
envset_init(struct envset *e)
{
    memset(e, 0, sizeof *e);
    pthread_mutex_init(&e->es_lock, NULL);
}

void
envset_free(struct envset *e)
{
    envset_snapshot_free(e->es_vars);
    pthread_mutex_destroy(&e->es_lock);
}

/* A name and value ContainerPilot's Setenv would take (and execve can). */
static int
envset_check(const char *name, json_t *v, sbuf_t *msg)
{
    const char *val = json_string_value(v);
    if (*name == 0 || strchr(name, '=') != NULL) {
        sbuf_addf(msg, "\"%s\" is not a variable name", name);
        return -1;
    }
    if (val == NULL || strlen(val) != json_string_length(v)) {
        sbuf_addf(msg, "value of %s must be a string (without NUL)", name);
        return -1;
    }
    if (strlen(name) + strlen(val) + 2 > ENVSET_MAX_LEN) {
        sbuf_addf(msg, "%s=... is over %d bytes", name, ENVSET_MAX_LEN);
        return -1;
    }
    return 0;
}

/* Sets NAME=VALUE (caller holds the lock, checked there is room). */
static void
envset_set_locked(struct envset *e, const char *name, const char *val)
{
    size_t nlen = strlen(name);
    char *var = malloc(nlen + strlen(val) + 2);
    if (var == NULL)
        abort();
    strcpy(var, name);
    var[nlen] = '=';
    strcpy(var + nlen + 1, val);
    for (size_t k = 0; k < e->es_n; k++) {
        if (strncmp(e->es_vars[k], var, nlen + 1) == 0) {
            free(e->es_vars[k]);
            e->es_vars[k] = var;
            return;
        }
    }
    e->es_vars[e->es_n++] = var;
    e->es_vars[e->es_n] = NULL;
}

/* How many of obj's names are not set yet (caller holds the lock). */
static size_t
envset_new_names(const struct envset *e, json_t *obj)
{
    const char *key;
    json_t *v;
    size_t n = 0;
    json_object_foreach(obj, key, v)
    {
        size_t len = strlen(key), k = 0;
        while (k < e->es_n && !(strncmp(e->es_vars[k], key, len) == 0 && e->es_vars[k][len] == '='))
            k++;
        n += k == e->es_n;
    }
    return n;
}

int
envset_put(struct envset *e, const char *body, size_t len, sbuf_t *msg)
{
    json_error_t err;
    json_t *obj = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err), *v;
    const char *key;
    int code = 200;
    if (obj == NULL || !json_is_object(obj)) {
        sbuf_addf(msg, "body must be a JSON object of variable names and strings%s%s",
                  obj == NULL ? ": " : "", obj == NULL ? err.text : "");
        code = 422;
    }
    json_object_foreach(code == 200 ? obj : NULL, key, v)
    {
        if (envset_check(key, v, msg) != 0) {
            code = 422;
            break;
        }
    }
    pthread_mutex_lock(&e->es_lock);
    if (code == 200 && e->es_n + envset_new_names(e, obj) > ENVSET_MAX) {
        sbuf_addf(msg, "more than %d variables set", ENVSET_MAX);
        code = 422;
    }
    if (code == 200) {
        char **grown = realloc(e->es_vars, (e->es_n + json_object_size(obj) + 1) * sizeof(char *));
        /* room for every name, replaced ones included: simpler, and bounded */
        if (grown == NULL)
            abort();
        e->es_vars = grown;
    }
    json_object_foreach(code == 200 ? obj : NULL, key, v)
        envset_set_locked(e, key, json_string_value(v));
    pthread_mutex_unlock(&e->es_lock);
    json_decref(obj);
    return code;
}

char **
envset_snapshot(struct envset *e)
{
    pthread_mutex_lock(&e->es_lock);
    char **copy = e->es_n ? calloc(e->es_n + 1, sizeof(char *)) : NULL;
    for (size_t k = 0; copy != NULL && k < e->es_n; k++)
        if ((copy[k] = strdup(e->es_vars[k])) == NULL)
            abort();
    pthread_mutex_unlock(&e->es_lock);
    return copy;
}

void
envset_snapshot_free(char **vars)
{
    for (size_t k = 0; vars != NULL && vars[k] != NULL; k++)
        free(vars[k]);
    free(vars);
}
