/* lookup - account look-ups in threads of their own (lookup.h). */
#include "lookup.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOKUP_THREADS_MAX 16

typedef struct ask {
    struct ask *a_next;
    char a_login[AUTH_LOGIN_MAX];
    lookup_done_fn a_done;
    void *a_arg;
} ask_t;

struct lookup {
    accounts_t *l_acc;
    pthread_mutex_t l_lock;
    pthread_cond_t l_cond;
    ask_t *l_head, **l_tail;
    int l_stopping;
    unsigned l_nthreads;
    pthread_t l_threads[LOOKUP_THREADS_MAX];
};

/* The next look-up, or NULL once stopping. */
static ask_t *
lookup_next(lookup_t *l)
{
    pthread_mutex_lock(&l->l_lock);
    while (l->l_head == NULL && !l->l_stopping)
        pthread_cond_wait(&l->l_cond, &l->l_lock);
    ask_t *a = l->l_stopping ? NULL : l->l_head;
    if (a != NULL && (l->l_head = a->a_next) == NULL)
        l->l_tail = &l->l_head;
    pthread_mutex_unlock(&l->l_lock);
    return a;
}

static void *
lookup_main(void *arg)
{
    lookup_t *l = arg;
    ask_t *a;
    while ((a = lookup_next(l)) != NULL) {
        char why[512] = "";
        accounts_ref_t *ref = NULL;
        accounts_status_t st = accounts_get(l->l_acc, a->a_login, &ref, why, sizeof(why));
        a->a_done(a->a_arg, st, ref, why);
        free(a);
    }
    return NULL;
}

lookup_t *
lookup_start(accounts_t *acc, unsigned threads)
{
    if (acc == NULL || threads == 0 || threads > LOOKUP_THREADS_MAX) {
        errno = EINVAL;
        return NULL;
    }
    lookup_t *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->l_acc = acc;
    l->l_tail = &l->l_head;
    pthread_mutex_init(&l->l_lock, NULL);
    pthread_cond_init(&l->l_cond, NULL);
    for (; l->l_nthreads < threads; l->l_nthreads++)
        if ((errno = pthread_create(&l->l_threads[l->l_nthreads], NULL, lookup_main, l)) != 0) {
            lookup_stop(l);
            return NULL;
        }
    return l;
}

int
lookup_submit(lookup_t *l, const char *login, lookup_done_fn done, void *arg)
{
    ask_t *a = calloc(1, sizeof(*a));
    if (a == NULL || strlen(login) >= sizeof(a->a_login)) {
        free(a);
        errno = a == NULL ? ENOMEM : ENAMETOOLONG;
        return -1;
    }
    snprintf(a->a_login, sizeof(a->a_login), "%s", login);
    a->a_done = done;
    a->a_arg = arg;
    pthread_mutex_lock(&l->l_lock);
    int stopping = l->l_stopping;
    if (!stopping) {
        *l->l_tail = a;
        l->l_tail = &a->a_next;
        pthread_cond_signal(&l->l_cond);
    }
    pthread_mutex_unlock(&l->l_lock);
    if (stopping) {
        free(a);
        errno = ESHUTDOWN;
        return -1;
    }
    return 0;
}

void
lookup_stop(lookup_t *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->l_lock);
    l->l_stopping = 1;
    pthread_cond_broadcast(&l->l_cond);
    pthread_mutex_unlock(&l->l_lock);
    for (unsigned i = 0; i < l->l_nthreads; i++)
        pthread_join(l->l_threads[i], NULL);
    while (l->l_head != NULL) { /* no thread takes from the queue any more */
        ask_t *a = l->l_head;
        l->l_head = a->a_next;
        a->a_done(a->a_arg, ACCOUNTS_UNAVAILABLE, NULL, "the proxy is stopping");
        free(a);
    }
    pthread_cond_destroy(&l->l_cond);
    pthread_mutex_destroy(&l->l_lock);
    free(l);
}
