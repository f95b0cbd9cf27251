/*
 * hostsfile.c - the data center's hosts file, appended in place (hostsfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostsfile.h"

#define HOSTS_NAME_MAX 64 /* a uuid (36) and room to spare */

struct hostsfile {
    int hf_fd;
    pthread_mutex_t hf_lock;
    char hf_suffix[256];
    char hf_addrs[HOSTSFILE_ADDRS_MAX][48];
    size_t hf_naddrs;
    /* the names written: open addressing, a power of two slots, at most half full */
    char (*hf_set)[HOSTS_NAME_MAX];
    size_t hf_cap, hf_used;
};

/* ---- the set of names written ---------------------------------------------- */

static size_t
hosts_hash(const char *s)
{
    size_t h = 5381;
    for (; *s; s++)
        h = h * 33 ^ (unsigned char)*s;
    return h;
}

/* The slot of name, or the empty slot where it would go. */
static size_t
hosts_slot(char (*set)[HOSTS_NAME_MAX], size_t cap, const char *name)
{
    size_t i = hosts_hash(name) & (cap - 1);
    while (set[i][0] != '\0' && strcmp(set[i], name) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static int
hosts_grow(hostsfile_t *h)
{
    size_t cap = h->hf_cap ? h->hf_cap * 2 : 1024;
    char(*set)[HOSTS_NAME_MAX] = calloc(cap, HOSTS_NAME_MAX);
    if (set == NULL)
        return -1;
    for (size_t i = 0; i < h->hf_cap; i++)
        if (h->hf_set[i][0] != '\0')
            memcpy(set[hosts_slot(set, cap, h->hf_set[i])], h->hf_set[i], HOSTS_NAME_MAX);
    free(h->hf_set);
    h->hf_set = set;
    h->hf_cap = cap;
    return 0;
}

/* 1 when name is new (now remembered), 0 when written before, -1 ENOMEM. */
static int
hosts_remember(hostsfile_t *h, const char *name)
{
    if (strlen(name) >= HOSTS_NAME_MAX)
        return 0; /* not a uuid: never ours to name */
    if ((h->hf_used + 1) * 2 > h->hf_cap && hosts_grow(h) != 0)
        return -1;
    size_t i = hosts_slot(h->hf_set, h->hf_cap, name);
    if (h->hf_set[i][0] != '\0')
        return 0;
    snprintf(h->hf_set[i], HOSTS_NAME_MAX, "%s", name);
    h->hf_used++;
    return 1;
}

/* ---- the file -------------------------------------------------------------- */

/* Appends text whole (one write, retried only for what a signal cut). */
static int
hosts_write(hostsfile_t *h, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t w = write(h->hf_fd, text, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        text += w;
        len -= (size_t)w;
    }
    return 0;
}

/* The lines naming host at every address into f. */
static void
hosts_lines(const hostsfile_t *h, FILE *f, const char *host)
{
    for (size_t a = 0; a < h->hf_naddrs; a++)
        fprintf(f, "%s %s.%s\n", h->hf_addrs[a], host, h->hf_suffix);
}

int
hostsfile_add(hostsfile_t *h, const char *const *uuids, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    pthread_mutex_lock(&h->hf_lock);
    FILE *f = open_memstream(&text, &len);
    for (size_t i = 0; f != NULL && rc == 0 && i < n; i++) {
        int fresh = hosts_remember(h, uuids[i]);
        if (fresh > 0)
            hosts_lines(h, f, uuids[i]);
        rc = fresh < 0 ? -1 : 0;
    }
    if (f == NULL || fclose(f) != 0)
        rc = -1;
    if (rc == 0 && len > 0)
        rc = hosts_write(h, text, len);
    pthread_mutex_unlock(&h->hf_lock);
    free(text);
    return rc;
}

void
hostsfile_names_fn(void *arg, const char *const *uuids, size_t n)
{
    if (hostsfile_add(arg, uuids, n) != 0)
        fprintf(stderr, "cmon-sim: hosts file: cannot append: %s\n", strerror(errno));
}

hostsfile_t *
hostsfile_open(const char *path, const char *suffix, const char *const *addrs, size_t n, char *err,
               size_t errlen)
{
    hostsfile_t *h = calloc(1, sizeof(*h));
    if (h == NULL || n == 0 || n > HOSTSFILE_ADDRS_MAX || strlen(suffix) >= sizeof(h->hf_suffix)) {
        snprintf(err, errlen, "--hosts-file: %s", h ? "bad addresses or suffix" : "out of memory");
        free(h);
        return NULL;
    }
    snprintf(h->hf_suffix, sizeof(h->hf_suffix), "%s", suffix);
    for (size_t i = 0; i < n; i++)
        snprintf(h->hf_addrs[i], sizeof(h->hf_addrs[i]), "%s", addrs[i]);
    h->hf_naddrs = n;
    pthread_mutex_init(&h->hf_lock, NULL);
    h->hf_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    char head[512];
    int len = snprintf(head, sizeof(head),
                       "# Written by cmon-sim serve --cns: appended to as instances come.\n"
                       "127.0.0.1 localhost\n::1 localhost ip6-localhost\n");
    if (h->hf_fd < 0 || hosts_write(h, head, (size_t)len) != 0 ||
        hostsfile_add(h, (const char *const[]){"cmon"}, 1) != 0) {
        snprintf(err, errlen, "--hosts-file: cannot write %s: %s", path, strerror(errno));
        hostsfile_close(h);
        return NULL;
    }
    return h;
}

void
hostsfile_close(hostsfile_t *h)
{
    if (h == NULL)
        return;
    if (h->hf_fd >= 0)
        close(h->hf_fd);
    pthread_mutex_destroy(&h->hf_lock);
    free(h->hf_set);
    free(h);
}
