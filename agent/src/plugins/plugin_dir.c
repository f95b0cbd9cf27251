/*
 * plugin_dir.c - which files of a plugin directory are plugins, their names
 * and their plugin.json settings.
 *
 * The agent runs what it finds there, so the directory and each plugin
 * must be as trusted as the agent itself: owned by the agent's user or
 * root, and not writable by group or others (the rule sshd applies to
 * authorized_keys). The original checked the directory only (D13c); a
 * file that fails the rule here is still listed, so its block says
 * available 0 and a log line says why. Nothing here aborts: a directory
 * that is not one, or a plugin.json that is no JSON object, is a state of
 * the listing (D13d).
 */
#include "plugin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLUGIN_CONF_FILE "plugin.json"

/* NULL when st may be trusted, else the reason. */
static const char *
stat_distrust(const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return "not owned by the agent's user or root";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    return NULL;
}

int
plugin_dir_check(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    const char *why;
    if (stat(dir, &st) != 0) {
        int e = errno;
        snprintf(err, errlen, "cannot use plugin directory %s: %s", dir, strerror(e));
        errno = e;
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot use plugin directory %s: not a directory", dir);
        errno = ENOTDIR;
        return -1;
    }
    why = stat_distrust(&st);
    if (why != NULL) {
        snprintf(err, errlen, "refusing plugin directory %s: %s", dir, why);
        errno = EPERM;
        return -1;
    }
    return 0;
}

int
plugin_name_from_file(const char *file, char name[PLUGIN_NAME_MAX])
{
    const char *dot = strrchr(file, '.');
    size_t n = dot != NULL && dot != file ? (size_t)(dot - file) : strlen(file);
    name[0] = '\0';
    if (n == 0 || n >= PLUGIN_NAME_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = file[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == ':'))
            return -1;
    }
    memcpy(name, file, n);
    name[n] = '\0';
    return 0;
}

int
plugin_file_is_prom(const char *file)
{
    size_t n = strlen(file);
    return n > 5 && strcmp(file + n - 5, ".prom") == 0;
}

int
plugin_entry_allows(const plugin_entry_t *e, const char *zonename)
{
    if (e->pe_vms == NULL)
        return 1;
    for (size_t i = 0; i < e->pe_nvms; i++)
        if (strcmp(e->pe_vms[i], zonename) == 0)
            return 1;
    return 0;
}

static void
entry_release(plugin_entry_t *e)
{
    free(e->pe_path);
    free(e->pe_file);
    for (size_t i = 0; i < e->pe_nvms; i++)
        free(e->pe_vms[i]);
    free(e->pe_vms);
}

void
plugin_listing_free(plugin_listing_t *l)
{
    for (size_t i = 0; i < l->pl_n; i++)
        entry_release(&l->pl_entries[i]);
    free(l->pl_entries);
    memset(l, 0, sizeof(*l));
}

/* ---- plugin.json ---------------------------------------------------- */

/* A JSON number that is a whole number within [min, max]: 0 and *out, else -1. */
static int
conf_whole(const json_t *v, double min, double max, long *out)
{
    double d;
    if (!json_is_number(v))
        return -1;
    d = json_number_value(v);
    if (!isfinite(d) || d != floor(d) || d < min || d > max)
        return -1;
    *out = (long)d;
    return 0;
}

static int
conf_vms(plugin_entry_t *e, const json_t *vms)
{
    size_t i;
    const json_t *v;
    if (!json_is_array(vms)) {
        snprintf(e->pe_why, sizeof(e->pe_why), "plugin.json: \"vms\" of %s is not an array",
                 e->pe_file);
        return -1;
    }
    e->pe_vms = calloc(json_array_size(vms) + 1, sizeof(*e->pe_vms));
    if (e->pe_vms == NULL) {
        snprintf(e->pe_why, sizeof(e->pe_why), "out of memory");
        return -1;
    }
    json_array_foreach(vms, i, v)
    {
        if (!json_is_string(v)) {
            snprintf(e->pe_why, sizeof(e->pe_why),
                     "plugin.json: \"vms\" of %s holds something else than strings", e->pe_file);
            return -1;
        }
        if ((e->pe_vms[e->pe_nvms] = strdup(json_string_value(v))) == NULL) {
            snprintf(e->pe_why, sizeof(e->pe_why), "out of memory");
            return -1;
        }
        e->pe_nvms++;
    }
    return 0;
}

/* One entry's settings object; on a bad field sets pe_why (that plugin only). */
static void
conf_entry(plugin_entry_t *e, const json_t *o)
{
    const json_t *v;
    long n;
    if (!json_is_object(o)) {
        snprintf(e->pe_why, sizeof(e->pe_why), "plugin.json: the entry of %s is not an object",
                 e->pe_file);
        return;
    }
    if ((v = json_object_get(o, "timeout")) != NULL) {
        if (conf_whole(v, 0, 1e12, &n) != 0) {
            snprintf(e->pe_why, sizeof(e->pe_why),
                     "plugin.json: \"timeout\" of %s is not a whole number of milliseconds >= 0",
                     e->pe_file);
            return;
        }
        e->pe_timeout_ms = n == 0 || n > PLUGIN_TIMEOUT_MS_MAX ? PLUGIN_TIMEOUT_MS_MAX : (int)n;
    }
    if ((v = json_object_get(o, "ttl")) != NULL) {
        if (conf_whole(v, -1e12, 1e12, &n) != 0) {
            snprintf(e->pe_why, sizeof(e->pe_why),
                     "plugin.json: \"ttl\" of %s is not a whole number of seconds", e->pe_file);
            return;
        }
        e->pe_ttl = n > PLUGIN_TTL_MAX ? PLUGIN_TTL_MAX : (int)(n < 0 ? 0 : n);
    }
    if ((v = json_object_get(o, "vms")) != NULL)
        (void)conf_vms(e, v);
}

int
plugin_conf_apply(const char *text, size_t len, plugin_entry_t *e, size_t n)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root)) {
        for (size_t i = 0; i < n; i++) {
            if (root == NULL)
                snprintf(e[i].pe_why, sizeof(e[i].pe_why), "plugin.json: line %d: %.120s",
                         jerr.line, jerr.text);
            else
                snprintf(e[i].pe_why, sizeof(e[i].pe_why), "plugin.json: not a JSON object");
        }
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_object_get(root, e[i].pe_file);
        if (o != NULL && e[i].pe_why[0] == '\0')
            conf_entry(&e[i], o);
    }
    json_decref(root);
    return 0;
}

/* Reads DIR/plugin.json if there is one and applies it. */
static void
conf_load(const char *dir, plugin_entry_t *e, size_t n)
{
    char path[4096], why[PLUGIN_WHY_MAX];
    struct stat st;
    char *text;
    ssize_t r;
    int fd;
    why[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, PLUGIN_CONF_FILE);
    /* O_NONBLOCK: a FIFO must not stall the listing until a writer comes (fstat refuses it) */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return; /* every plugin with the defaults */
    if (fd < 0 || fstat(fd, &st) != 0)
        snprintf(why, sizeof(why), "plugin.json: cannot read: %s", strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(why, sizeof(why), "plugin.json: not a regular file");
    else if (stat_distrust(&st) != NULL)
        snprintf(why, sizeof(why), "plugin.json: %s", stat_distrust(&st));
    else if (st.st_size > PLUGIN_CONF_MAX)
        snprintf(why, sizeof(why), "plugin.json: larger than %d bytes", PLUGIN_CONF_MAX);
    if (why[0] == '\0' && (text = malloc((size_t)st.st_size + 1)) != NULL) {
        r = read(fd, text, (size_t)st.st_size);
        if (r < 0)
            snprintf(why, sizeof(why), "plugin.json: cannot read: %s", strerror(errno));
        else
            (void)plugin_conf_apply(text, (size_t)r, e, n);
        free(text);
    } else if (why[0] == '\0') {
        snprintf(why, sizeof(why), "out of memory");
    }
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; why[0] != '\0' && i < n; i++)
        snprintf(e[i].pe_why, sizeof(e[i].pe_why), "%s", why);
}

/* ---- listing -------------------------------------------------------- */

static int
entry_cmp(const void *a, const void *b)
{
    return strcmp(((const plugin_entry_t *)a)->pe_file, ((const plugin_entry_t *)b)->pe_file);
}

/*
 * Whether the directory entry `file` is a plugin: a regular file (not a
 * symlink's target elsewhere's business: stat follows it, as exec would)
 * with an execute bit; dot-files, plugin.json and subdirectories are not.
 */
static int
entry_is_plugin(const char *dir, const char *file, struct stat *st)
{
    char path[4096];
    if (file[0] == '.' || strcmp(file, PLUGIN_CONF_FILE) == 0)
        return 0;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return stat(path, st) == 0 && S_ISREG(st->st_mode) &&
           (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH));
}

static int
entry_add(plugin_listing_t *l, size_t *cap, const char *dir, const char *file,
          const struct stat *st, const plugin_defaults_t *d)
{
    plugin_entry_t *e;
    const char *why;
    if (l->pl_n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        plugin_entry_t *ne = realloc(l->pl_entries, nc * sizeof(*ne));
        if (ne == NULL)
            return -1;
        l->pl_entries = ne;
        *cap = nc;
    }
    e = &l->pl_entries[l->pl_n];
    memset(e, 0, sizeof(*e));
    e->pe_file = strdup(file);
    if (e->pe_file == NULL || asprintf(&e->pe_path, "%s/%s", dir, file) < 0) {
        free(e->pe_file);
        return -1;
    }
    l->pl_n++;
    e->pe_prom = plugin_file_is_prom(file);
    e->pe_timeout_ms = d->pd_timeout_ms;
    e->pe_ttl = d->pd_ttl;
    if (plugin_name_from_file(file, e->pe_name) != 0)
        snprintf(e->pe_why, sizeof(e->pe_why), "its name cannot be part of a metric name");
    else if ((why = stat_distrust(st)) != NULL)
        snprintf(e->pe_why, sizeof(e->pe_why), "%s", why);
    return 0;
}

/* D13f: files of the same plugin name refuse each other; the first keeps the block. */
static void
entries_mark_shadows(plugin_listing_t *l)
{
    for (size_t i = 0; i < l->pl_n; i++) {
        plugin_entry_t *a = &l->pl_entries[i];
        for (size_t j = i + 1; a->pe_name[0] != '\0' && j < l->pl_n; j++) {
            plugin_entry_t *b = &l->pl_entries[j];
            if (b->pe_shadow || strcmp(a->pe_name, b->pe_name) != 0)
                continue;
            b->pe_shadow = 1;
            snprintf(a->pe_why, sizeof(a->pe_why), "%s and %s are both plugin %s", a->pe_file,
                     b->pe_file, a->pe_name);
            snprintf(b->pe_why, sizeof(b->pe_why), "%s", a->pe_why);
        }
    }
}

void
plugin_dir_load(const char *dir, const plugin_defaults_t *d, plugin_listing_t *out)
{
    struct dirent *de;
    struct stat st;
    size_t cap = 0;
    DIR *dp;
    memset(out, 0, sizeof(*out));
    if (plugin_dir_check(dir, out->pl_why, sizeof(out->pl_why)) != 0) {
        out->pl_state = errno == ENOENT ? PLUGIN_DIR_NONE : PLUGIN_DIR_BAD;
        return;
    }
    if ((dp = opendir(dir)) == NULL) {
        snprintf(out->pl_why, sizeof(out->pl_why), "cannot read plugin directory %s: %s", dir,
                 strerror(errno));
        out->pl_state = PLUGIN_DIR_BAD;
        return;
    }
    out->pl_state = PLUGIN_DIR_OK;
    while ((de = readdir(dp)) != NULL) {
        if (!entry_is_plugin(dir, de->d_name, &st))
            continue;
        if (entry_add(out, &cap, dir, de->d_name, &st, d) != 0) {
            snprintf(out->pl_why, sizeof(out->pl_why), "cannot list plugin directory %s: %s", dir,
                     strerror(ENOMEM));
            out->pl_state = PLUGIN_DIR_BAD;
            break;
        }
    }
    closedir(dp);
    if (out->pl_state == PLUGIN_DIR_BAD) {
        for (size_t i = 0; i < out->pl_n; i++)
            entry_release(&out->pl_entries[i]);
        free(out->pl_entries); /* the array too, not only its entries */
        out->pl_entries = NULL;
        out->pl_n = 0;
        return;
    }
    if (out->pl_n > 1)
        qsort(out->pl_entries, out->pl_n, sizeof(*out->pl_entries), entry_cmp);
    entries_mark_shadows(out);
    conf_load(dir, out->pl_entries, out->pl_n);
}
