/* ratelog - log lines rate-limited per cause (ratelog.h). */
#include "ratelog.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATELOG_CAUSE_MAX 64

typedef struct cause {
    char c_name[RATELOG_CAUSE_MAX]; /* "" for a free slot */
    double c_last;                  /* when its last line was written */
    unsigned long c_suppressed;     /* lines not written since */
} cause_t;

struct ratelog {
    pthread_mutex_t rl_lock;
    double rl_interval;
    cause_t rl_causes[RATELOG_CAUSES]; /* the last slot is shared once the others are taken */
};

ratelog_t *
ratelog_new(double interval_s)
{
    if (!(interval_s >= 0)) {
        errno = EINVAL;
        return NULL;
    }
    ratelog_t *rl = calloc(1, sizeof(*rl));
    if (rl == NULL)
        return NULL;
    rl->rl_interval = interval_s;
    pthread_mutex_init(&rl->rl_lock, NULL);
    return rl;
}

void
ratelog_free(ratelog_t *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->rl_lock);
    free(rl);
}

/* The slot of cause (taken when new; the last one when every slot is taken),
 * and whether it is new. */
static cause_t *
ratelog_slot(ratelog_t *rl, const char *cause, int *fresh)
{
    *fresh = 0;
    for (size_t i = 0; i < RATELOG_CAUSES; i++) {
        cause_t *c = &rl->rl_causes[i];
        if (c->c_name[0] == '\0') {
            snprintf(c->c_name, sizeof(c->c_name), "%s", cause[0] != '\0' ? cause : "?");
            *fresh = 1;
            return c;
        }
        if (strncmp(c->c_name, cause, sizeof(c->c_name) - 1) == 0)
            return c;
    }
    return &rl->rl_causes[RATELOG_CAUSES - 1];
}

int
ratelog_admit(ratelog_t *rl, const char *cause, double now, unsigned long *suppressed)
{
    int fresh, admit;
    *suppressed = 0;
    if (rl == NULL || cause == NULL)
        return 1;
    pthread_mutex_lock(&rl->rl_lock);
    cause_t *c = ratelog_slot(rl, cause, &fresh);
    admit = fresh || now - c->c_last >= rl->rl_interval;
    if (admit) {
        *suppressed = c->c_suppressed;
        c->c_suppressed = 0;
        c->c_last = now;
    } else
        c->c_suppressed++;
    pthread_mutex_unlock(&rl->rl_lock);
    return admit;
}

size_t
ratelog_flush(ratelog_t *rl, ratelog_report_t report, void *cls)
{
    size_t n = 0;
    if (rl == NULL || report == NULL)
        return 0;
    pthread_mutex_lock(&rl->rl_lock);
    for (size_t i = 0; i < RATELOG_CAUSES; i++) {
        cause_t *c = &rl->rl_causes[i];
        if (c->c_name[0] == '\0' || c->c_suppressed == 0)
            continue;
        report(cls, c->c_name, c->c_suppressed);
        c->c_suppressed = 0;
        n++;
    }
    pthread_mutex_unlock(&rl->rl_lock);
    return n;
}
