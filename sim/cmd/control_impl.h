/*
 * control_impl.h - what the files of the control protocol share (control.c,
 * control_fault.c, control_zone.c); private to them. control.h is the
 * contract.
 */
#ifndef CMON_CONTROL_IMPL_H
#define CMON_CONTROL_IMPL_H

#include "control.h"

/* A fault the control set, as it was asked for (the world keeps no readable copy). */
typedef struct control_fault {
    world_fault_t cf_fault;
    char cf_zone[WORLD_NAME_MAX]; /* the zone's uuid, "" for every zone */
} control_fault_t;

struct control {
    world_t *c_world;
    unsigned c_core;   /* zone slots 1..c_core are core zones */
    int c_frozen;      /* virtual time frozen */
    uint64_t c_serial; /* creation number of the next zone made with no brand */
    size_t c_nfaults;
    control_fault_t c_faults[WORLD_FAULTS_MAX];
};

/*
 * The answer under construction: a handler returns the status and leaves the
 * body in *reply. control_fail() sets an error body and returns status.
 */
int control_fail(json_t **reply, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The handlers: body is the request's JSON object. */
int control_fault_set(control_t *c, json_t *body, json_t **reply);
int control_fault_clear(control_t *c, json_t *body, json_t **reply);
json_t *control_fault_list(const control_t *c);
/* control_fault_forget() - drops the faults of zone zix (it is being destroyed: its slot may be
 * reused). */
void control_fault_forget(control_t *c, int zix);
/*
 * control_fault_prune() - drops the faults whose zone is gone (destroyed by
 * serve's own churn, its slot maybe reused since): before every request.
 */
void control_fault_prune(control_t *c);
int control_zone_create(control_t *c, json_t *body, json_t **reply);
int control_zone_action(control_t *c, const char *action, json_t *body, json_t **reply);
json_t *control_zone_json(const world_t *w, int zix);

/*
 * control_keys_check() - 0 when every key of the object o is one of keys (a
 * NULL-terminated list); else the 400 answer naming the first stranger.
 */
int control_keys_check(json_t *o, const char *const *keys, json_t **reply);

#endif /* CMON_CONTROL_IMPL_H */
