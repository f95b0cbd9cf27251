/*
 * plugin_dir.c - which plugins the agent trusts.
 *
 * The agent runs what it finds in the plugin directories, so those must be
 * as trusted as the agent itself: owned by the agent's user or root, and not
 * writable by group or others (the rule sshd applies to authorized_keys).
 * The same holds for each executable in them.
 */
#include "plugin.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void
plugin_name_from_path(const char *path, char name[PLUGIN_NAME_MAX])
{
    const char *base = strrchr(path, '/');
    size_t i = 0;
    base = base ? base + 1 : path;
    if (*base >= '0' && *base <= '9')
        name[i++] = '_';
    for (; *base && i < PLUGIN_NAME_MAX - 1; base++) {
        char c = *base;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        name[i++] = ok ? c : '_';
    }
    name[i] = '\0';
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when path is a trusted executable; logs a line when it is refused. */
static int
entry_trusted(const char *path)
{
    struct stat st;
    const char *why;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
        return 0;
    why = stat_distrust(&st);
    if (why != NULL) {
        fprintf(stderr, "cmon-agent: warn: refusing plugin %s: %s\n", path, why);
        return 0;
    }
    return 1;
}

static int
list_append(char ***paths, size_t *n, size_t *cap, char *path)
{
    if (*n + 2 > *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **np = realloc(*paths, nc * sizeof(*np));
        if (np == NULL)
            return -1;
        *paths = np;
        *cap = nc;
    }
    (*paths)[(*n)++] = path;
    (*paths)[*n] = NULL;
    return 0;
}

static int
list_read(DIR *d, const char *dir, char ***paths, size_t *count)
{
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d)) != NULL) {
        char *path;
        if (de->d_name[0] == '.')
            continue;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
            return -1;
        if (!entry_trusted(path)) {
            free(path);
            continue;
        }
        if (list_append(paths, count, &cap, path) != 0) {
            free(path);
            return -1;
        }
    }
    return 0;
}

int
plugin_dir_list(const char *dir, char ***paths, size_t *count)
{
    char err[512];
    DIR *d;
    *paths = NULL;
    *count = 0;
    if (plugin_dir_check(dir, err, sizeof(err)) != 0) {
        int e = errno;
        if (e != ENOENT)
            fprintf(stderr, "cmon-agent: warn: %s\n", err);
        errno = e;
        return -1;
    }
    d = opendir(dir);
    if (d == NULL)
        return -1;
    if (list_read(d, dir, paths, count) != 0) {
        int e = errno;
        closedir(d);
        plugin_dir_list_free(*paths);
        *paths = NULL;
        *count = 0;
        errno = e ? e : ENOMEM;
        return -1;
    }
    closedir(d);
    if (*count > 1)
        qsort(*paths, *count, sizeof(**paths), cmp_str);
    return 0;
}

void
plugin_dir_list_free(char **paths)
{
    size_t i;
    if (paths == NULL)
        return;
    for (i = 0; paths[i] != NULL; i++)
        free(paths[i]);
    free(paths);
}
