/* kpool - a bounded pool of kstat readers. */
#include "kpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct kpool {
    pthread_mutex_t kp_lock;
    pthread_cond_t kp_idle_cv;
    kreader_t **kp_idle;
    unsigned kp_nidle;
    unsigned kp_open; /* readers that exist, idle or taken */
    unsigned kp_max;
    selfstats_t *kp_stats;
};

kpool_t *
kpool_new(unsigned max, unsigned prefill, selfstats_t *stats)
{
    kpool_t *kp = calloc(1, sizeof(*kp));
    if (max == 0)
        max = 1;
    if (kp == NULL || (kp->kp_idle = calloc(max, sizeof(kreader_t *))) == NULL) {
        free(kp);
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_init(&kp->kp_lock, NULL);
    pthread_cond_init(&kp->kp_idle_cv, NULL);
    kp->kp_max = max;
    kp->kp_stats = stats;
    for (unsigned i = 0; i < prefill && i < max; i++) {
        kreader_t *kr = kreader_open(stats);
        if (kr == NULL) {
            int saved = errno;
            kpool_free(kp);
            errno = saved;
            return NULL;
        }
        kp->kp_idle[kp->kp_nidle++] = kr;
        kp->kp_open++;
    }
    return kp;
}

void
kpool_free(kpool_t *kp)
{
    if (kp == NULL)
        return;
    for (unsigned i = 0; i < kp->kp_nidle; i++)
        kreader_close(kp->kp_idle[i]);
    pthread_cond_destroy(&kp->kp_idle_cv);
    pthread_mutex_destroy(&kp->kp_lock);
    free(kp->kp_idle);
    free(kp);
}

/* Pops an idle reader, or reserves the right to open one (*open set). */
static kreader_t *
kpool_pop(kpool_t *kp, int *open)
{
    kreader_t *kr = NULL;
    *open = 0;
    pthread_mutex_lock(&kp->kp_lock);
    while (kp->kp_nidle == 0 && kp->kp_open >= kp->kp_max)
        pthread_cond_wait(&kp->kp_idle_cv, &kp->kp_lock);
    if (kp->kp_nidle > 0) {
        kr = kp->kp_idle[--kp->kp_nidle];
    } else {
        kp->kp_open++;
        *open = 1;
    }
    pthread_mutex_unlock(&kp->kp_lock);
    return kr;
}

kreader_t *
kpool_take(kpool_t *kp)
{
    int open;
    kreader_t *kr = kpool_pop(kp, &open);
    if (open) {
        kr = kreader_open(kp->kp_stats);
        if (kr == NULL) {
            int saved = errno;
            pthread_mutex_lock(&kp->kp_lock);
            kp->kp_open--;
            pthread_cond_signal(&kp->kp_idle_cv);
            pthread_mutex_unlock(&kp->kp_lock);
            errno = saved;
            return NULL;
        }
        return kr;
    }
    (void)kreader_sync(kr, 0);
    return kr;
}

void
kpool_give(kpool_t *kp, kreader_t *kr)
{
    kreader_drop(kr);
    pthread_mutex_lock(&kp->kp_lock);
    kp->kp_idle[kp->kp_nidle++] = kr;
    pthread_cond_signal(&kp->kp_idle_cv);
    pthread_mutex_unlock(&kp->kp_lock);
}

void
kpool_resync(kpool_t *kp)
{
    /* Readers sync on every take; syncing one now, outside the lock, makes
     * the next scrape start current without holding up any other. */
    kreader_t *kr = kpool_take(kp);
    if (kr != NULL) {
        (void)kreader_sync(kr, 1);
        kpool_give(kp, kr);
    }
}
