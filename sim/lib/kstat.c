/*
 * kstat.c - libkstat(3LIB) over the simulated world.
 *
 * The protocol of the illumos library, down to its costs: kstat_open()
 * reads every kstat header; kstat_chain_update() compares the chain id and,
 * when it moved, reads every header again and merges them into the caller's
 * chain (kstat_t's of surviving kstats stay where they are, removed ones
 * are freed, new ones appended); kstat_lookup() walks the chain;
 * kstat_read() asks the "driver" (the world) for one kstat's data and gets
 * ENXIO when that kstat is gone. The world's faults apply in kstat_read().
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kstat.h"
#include "world_shm.h"

#define KSTAT_API __attribute__((visibility("default")))

/* Our handle: the caller sees the kstat_ctl_t, which comes first. */
typedef struct kstat_handle {
    kstat_ctl_t kh_kc;
    world_t *kh_world;
} kstat_handle_t;

static world_t *
kstat_world(kstat_ctl_t *kc)
{
    return ((kstat_handle_t *)kc)->kh_world;
}

static void
kstat_free_chain(kstat_t *ksp)
{
    while (ksp != NULL) {
        kstat_t *next = ksp->ks_next;
        free(ksp->ks_data);
        free(ksp);
        ksp = next;
    }
}

/*
 * kstat_open() can only set errno, where a world that cannot be opened has
 * a cause worth naming (no such file, not a world, another layout version,
 * truncated). So the fake kernel also prints it on stderr, as "libkstat:
 * world PATH: CAUSE", once for each new cause: a program that retries
 * kstat_open() every second does not fill its log with the same line. The
 * line last printed is therefore kept: a mutable global, under its lock.
 */
static char kstat_last_report[512];
static pthread_mutex_t kstat_report_lock = PTHREAD_MUTEX_INITIALIZER;

static void
kstat_report_open_error(const char *msg)
{
    pthread_mutex_lock(&kstat_report_lock);
    if (strcmp(msg, kstat_last_report) != 0) {
        snprintf(kstat_last_report, sizeof(kstat_last_report), "%s", msg);
        fprintf(stderr, "libkstat: %s\n", msg);
    }
    pthread_mutex_unlock(&kstat_report_lock);
}

KSTAT_API kstat_ctl_t *
kstat_open(void)
{
    kstat_handle_t *kh = calloc(1, sizeof(*kh));
    char why[512];
    int saved;

    if (kh == NULL)
        return NULL;
    if ((kh->kh_world = world_open(NULL, why, sizeof(why))) == NULL) {
        saved = errno;
        free(kh);
        kstat_report_open_error(why);
        errno = saved;
        return NULL;
    }
    kh->kh_kc.kc_kd = kh->kh_world->w_fd;
    if (kstat_chain_update(&kh->kh_kc) == -1) {
        saved = errno;
        kstat_close(&kh->kh_kc);
        errno = saved;
        return NULL;
    }
    return &kh->kh_kc;
}

KSTAT_API int
kstat_close(kstat_ctl_t *kc)
{
    if (kc == NULL) {
        errno = EINVAL;
        return -1;
    }
    kstat_free_chain(kc->kc_chain);
    world_close(kstat_world(kc));
    free(kc);
    return 0;
}

/*
 * The merge of illumos kstat_chain_update(): both lists ascend by KID, and
 * a new kstat always has a higher KID than every old one, so one pass drops
 * the old kstats that are gone and the rest of the new list is appended.
 */
static int
kstat_merge(kstat_ctl_t *kc, const kstat_t *hdr, long n)
{
    kstat_t **okspp = &kc->kc_chain, *oksp = kc->kc_chain;
    long i = 0;

    while (oksp != NULL) {
        kstat_t *next = oksp->ks_next;
        if (i < n && oksp->ks_kid == hdr[i].ks_kid) {
            oksp->ks_private = hdr[i].ks_private;
            okspp = &oksp->ks_next;
            i++;
        } else {
            *okspp = next;
            free(oksp->ks_data);
            free(oksp);
        }
        oksp = next;
    }
    for (; i < n; i++) {
        if ((*okspp = malloc(sizeof(kstat_t))) == NULL)
            return -1;
        **okspp = hdr[i];
        okspp = &(*okspp)->ks_next;
    }
    *okspp = NULL;
    return 0;
}

KSTAT_API kid_t
kstat_chain_update(kstat_ctl_t *kc)
{
    world_t *w;
    kstat_t *hdr = NULL;
    int32_t id;
    long n;

    if (kc == NULL) {
        errno = EINVAL;
        return -1;
    }
    w = kstat_world(kc);
    if (world_chain_id(w) == kc->kc_chain_id)
        return 0;
    if ((n = wread_chain(w, &hdr, &id)) < 0)
        return -1;
    if (kstat_merge(kc, hdr, n) != 0) {
        free(hdr);
        errno = ENOMEM;
        return -1;
    }
    free(hdr);
    kc->kc_chain_id = id;
    return id;
}

KSTAT_API kstat_t *
kstat_lookup(kstat_ctl_t *kc, const char *ks_module, int ks_instance, const char *ks_name)
{
    if (kc == NULL) {
        errno = EINVAL;
        return NULL;
    }
    for (kstat_t *ksp = kc->kc_chain; ksp != NULL; ksp = ksp->ks_next) {
        if ((ks_module == NULL || strcmp(ksp->ks_module, ks_module) == 0) &&
            (ks_instance == -1 || ksp->ks_instance == ks_instance) &&
            (ks_name == NULL || strcmp(ksp->ks_name, ks_name) == 0))
            return ksp;
    }
    errno = ENOENT;
    return NULL;
}

/* The "driver" side of a read: faults first, then the data into ks_data. */
static int
kstat_fetch(world_t *w, kstat_t *ksp, int slot)
{
    uint32_t latency_us = 0;
    int64_t snap;
    int err;

    err = wread_fault(w, &w->w_kslots[slot], &latency_us);
    if (latency_us > 0) {
        struct timespec ts = {latency_us / 1000000, (long)(latency_us % 1000000) * 1000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    if (err != 0)
        return err;
    if (ksp->ks_data == NULL) {
        if ((ksp->ks_data = malloc(ksp->ks_data_size)) == NULL)
            return ENOMEM;
    }
    err = wread_kstat(w, slot, ksp->ks_kid, ksp->ks_data, ksp->ks_data_size, &snap);
    if (err == 0)
        ksp->ks_snaptime = snap;
    return err;
}

KSTAT_API kid_t
kstat_read(kstat_ctl_t *kc, kstat_t *ksp, void *buf)
{
    world_t *w;
    intptr_t slot;
    int err;

    if (kc == NULL || ksp == NULL) {
        errno = EINVAL;
        return -1;
    }
    w = kstat_world(kc);
    slot = (intptr_t)ksp->ks_private;
    if (slot < 0 || (uint64_t)slot >= w->w_hdr->wh_kstat_slots) {
        errno = ENXIO;
        return -1;
    }
    if ((err = kstat_fetch(w, ksp, (int)slot)) != 0) {
        errno = err;
        return -1;
    }
    if (buf != NULL)
        memcpy(buf, ksp->ks_data, ksp->ks_data_size);
    return world_chain_id(w);
}

KSTAT_API kid_t
kstat_write(kstat_ctl_t *kc, kstat_t *ksp, void *buf)
{
    (void)kc;
    (void)ksp;
    (void)buf;
    errno = EACCES;
    return -1;
}

KSTAT_API void *
kstat_data_lookup(kstat_t *ksp, const char *name)
{
    size_t size;
    char *datap;

    if (ksp == NULL || name == NULL) {
        errno = EINVAL;
        return NULL;
    }
    switch (ksp->ks_type) {
    case KSTAT_TYPE_NAMED:
        size = sizeof(kstat_named_t);
        break;
    case KSTAT_TYPE_TIMER:
        size = sizeof(kstat_timer_t);
        break;
    default:
        errno = EINVAL;
        return NULL;
    }
    datap = ksp->ks_data;
    for (uint_t i = 0; datap != NULL && i < ksp->ks_ndata; i++, datap += size) {
        /* both records begin with their name */
        if (strncmp(name, datap, KSTAT_STRLEN) == 0)
            return datap;
    }
    errno = ENOENT;
    return NULL;
}
