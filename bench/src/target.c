/* target.c - request paths from zone lists and discovery (see target.h). */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
target_list_add(struct target_list *tl, const char *path)
{
    if (tl->tl_n == tl->tl_cap) {
        size_t cap = tl->tl_cap ? tl->tl_cap * 2 : 64;
        char **p = realloc(tl->tl_path, cap * sizeof(*p));
        if (p == NULL)
            return -1;
        tl->tl_path = p;
        tl->tl_cap = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    tl->tl_path[tl->tl_n++] = copy;
    return 0;
}

void
target_list_release(struct target_list *tl)
{
    for (size_t i = 0; i < tl->tl_n; i++)
        free(tl->tl_path[i]);
    free(tl->tl_path);
    memset(tl, 0, sizeof(*tl));
}

int
target_is_uuid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    size_t k = 0;

    if (strlen(s) != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        if (k < 4 && (int)i == dash[k]) {
            if (s[i] != '-')
                return 0;
            k++;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* tmpl with every {uuid} replaced by uuid into buf. Returns 0, or -1 (EINVAL) when too long. */
static int
target_expand(const char *tmpl, const char *uuid, char *buf, size_t n)
{
    size_t k = 0, ulen = strlen(uuid);

    for (const char *s = tmpl; *s != '\0';) {
        if (strncmp(s, "{uuid}", 6) == 0) {
            if (k + ulen >= n)
                goto toolong;
            memcpy(buf + k, uuid, ulen);
            k += ulen;
            s += 6;
        } else {
            if (k + 1 >= n)
                goto toolong;
            buf[k++] = *s++;
        }
    }
    buf[k] = '\0';
    return 0;
toolong:
    errno = EINVAL;
    return -1;
}

static int
target_add_uuid(struct target_list *tl, const char *uuid)
{
    char path[1024];

    if (target_expand(tl->tl_template ? tl->tl_template : "/v1/{uuid}/metrics", uuid, path,
                      sizeof(path)) < 0)
        return -1;
    return target_list_add(tl, path);
}

int
target_list_retemplate(const struct target_list *src, const char *tmpl, struct target_list *dst)
{
    char uuid[64], tail[16];
    int added = 0;

    dst->tl_template = tmpl;
    for (size_t i = 0; i < src->tl_n; i++) {
        if (sscanf(src->tl_path[i], "/v1/%63[^/]/%15s", uuid, tail) != 2 ||
            strcmp(tail, "metrics") != 0)
            continue;
        if (target_add_uuid(dst, uuid) < 0)
            return -1;
        added++;
    }
    return added;
}

/* One zoneadm line "id:name:state:...". Returns 1 added, 0 skipped, -1 bad. */
static int
target_zone_line(char *line, struct target_list *tl)
{
    char *save = NULL, *id = strtok_r(line, ":", &save);
    char *name = strtok_r(NULL, ":", &save);
    char *state = strtok_r(NULL, ":", &save);
    char *end;

    if (id == NULL || name == NULL || state == NULL)
        return -1;
    if (strcmp(id, "-") == 0)
        return 0; /* not running: no zoneid */
    long zid = strtol(id, &end, 10);
    if (*end != '\0' || zid < 0)
        return -1;
    if (zid == 0 || strcmp(state, "running") != 0)
        return 0;
    return target_add_uuid(tl, name) < 0 ? -1 : 1;
}

/* Walk the lines of text with fn; '#' lines and blank lines are skipped. */
static int
target_each_line(const char *text, struct target_list *tl, int (*fn)(char *, struct target_list *))
{
    char *copy = strdup(text), *save = NULL;
    int added = 0;

    if (copy == NULL)
        return -1;
    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        l[strcspn(l, "\r")] = '\0';
        if (l[0] == '#' || l[strspn(l, " \t")] == '\0')
            continue;
        int r = fn(l, tl);
        if (r < 0) {
            free(copy);
            errno = EINVAL;
            return -1;
        }
        added += r;
    }
    free(copy);
    return added;
}

int
target_parse_zones(const char *text, struct target_list *tl)
{
    return target_each_line(text, tl, target_zone_line);
}

static int
target_file_line(char *line, struct target_list *tl)
{
    if (strchr(line, ':') != NULL)
        return target_zone_line(line, tl);
    line[strcspn(line, " \t")] = '\0';
    if (!target_is_uuid(line))
        return -1;
    return target_add_uuid(tl, line) < 0 ? -1 : 1;
}

int
target_parse_file(const char *text, struct target_list *tl)
{
    return target_each_line(text, tl, target_file_line);
}

/* One target group. Returns 1 added, 0 no usable labels, -1 bad. */
static int
target_discover_group(json_t *g, struct target_list *tl)
{
    json_t *labels = json_object_get(g, "labels");
    const char *path, *uuid;

    if (!json_is_object(g) || !json_is_array(json_object_get(g, "targets")))
        return -1;
    if (!json_is_object(labels))
        return 0;
    path = json_string_value(json_object_get(labels, "__metrics_path__"));
    uuid = json_string_value(json_object_get(labels, "vm_uuid"));
    if (path != NULL && strcmp(path, "/v1/gz/metrics") == 0)
        return 0; /* the compute node, not an instance */
    if (tl->tl_template != NULL && uuid != NULL && target_is_uuid(uuid))
        return target_add_uuid(tl, uuid) < 0 ? -1 : 1; /* a template names instances by uuid */
    if (path != NULL && path[0] == '/')
        return target_list_add(tl, path) < 0 ? -1 : 1;
    if (uuid != NULL && target_is_uuid(uuid))
        return target_add_uuid(tl, uuid) < 0 ? -1 : 1;
    return 0;
}

int
target_parse_discover(const char *json, struct target_list *tl)
{
    json_t *root = json_loads(json, 0, NULL);
    int added = 0;

    if (!json_is_array(root)) {
        json_decref(root);
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < json_array_size(root); i++) {
        int r = target_discover_group(json_array_get(root, i), tl);
        if (r < 0) {
            json_decref(root);
            errno = EINVAL;
            return -1;
        }
        added += r;
    }
    json_decref(root);
    return added;
}
