/*
 * control.c - the control protocol (control.h, CONTROL.md): routing, the
 * error bodies, virtual time and the state report. Faults are in
 * control_fault.c, zones in control_zone.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_impl.h"

control_t *
control_new(world_t *w, unsigned core_zones, int frozen, uint64_t serial)
{
    control_t *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->c_world = w;
    c->c_core = core_zones;
    c->c_frozen = frozen;
    c->c_serial = serial;
    return c;
}

void
control_free(control_t *c)
{
    free(c);
}

int
control_frozen(const control_t *c)
{
    return c->c_frozen;
}

/* ---- errors -------------------------------------------------------------- */

static json_t *
control_verror(const char *code, const char *fmt, va_list ap)
{
    char msg[512];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    return json_pack("{ssss}", "code", code, "message", msg);
}

json_t *
control_error(const char *code, const char *fmt, ...)
{
    va_list ap;
    json_t *j;

    va_start(ap, fmt);
    j = control_verror(code, fmt, ap);
    va_end(ap);
    return j;
}

int
control_fail(json_t **reply, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    json_decref(*reply);
    va_start(ap, fmt);
    *reply = control_verror(code, fmt, ap);
    va_end(ap);
    return *reply ? status : 500;
}

int
control_keys_check(json_t *o, const char *const *keys, json_t **reply)
{
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        size_t i = 0;
        while (keys[i] != NULL && strcmp(keys[i], k) != 0)
            i++;
        if (keys[i] == NULL)
            return control_fail(reply, 400, "bad_request", "unknown key '%s'", k);
    }
    (void)v;
    return 0;
}

/* ---- time ------------------------------------------------------------------ */

static json_t *
control_time_json(const control_t *c)
{
    uint64_t ns = world_time_now(c->c_world);

    return json_pack("{sIsfsb}", "now_ns", (json_int_t)ns, "now_s", (double)ns / 1e9, "frozen",
                     c->c_frozen);
}

/* time/advance {"seconds": S}: virtual time jumps by S (0 .. 1e9) now. */
static int
control_time_advance(control_t *c, json_t *body, json_t **reply)
{
    static const char *const keys[] = {"seconds", NULL};
    json_t *s = json_object_get(body, "seconds");
    double sec = json_number_value(s);
    int rc;

    if ((rc = control_keys_check(body, keys, reply)) != 0)
        return rc;
    if (!json_is_number(s) || !(sec >= 0) || sec > CONTROL_ADVANCE_MAX)
        return control_fail(reply, 400, "bad_request", "'seconds' must be a number, 0 to %.0f",
                            CONTROL_ADVANCE_MAX);
    world_time_advance(c->c_world, (uint64_t)llround(sec * 1e9));
    *reply = json_pack("{so}", "time", control_time_json(c));
    return 200;
}

static int
control_time_freeze(control_t *c, json_t *body, json_t **reply, int frozen)
{
    static const char *const keys[] = {NULL};
    int rc;

    if ((rc = control_keys_check(body, keys, reply)) != 0)
        return rc;
    c->c_frozen = frozen;
    *reply = json_pack("{so}", "time", control_time_json(c));
    return 200;
}

/* ---- state ------------------------------------------------------------------ */

/* The zones, counted by state, and listed unless list is 0. */
static json_t *
control_zones_json(const control_t *c, int list)
{
    json_t *a = list ? json_array() : NULL;
    unsigned running = 0, installed = 0;
    world_zone_info_t i;

    for (int z = world_zone_next(c->c_world, 0); z > 0; z = world_zone_next(c->c_world, z)) {
        if (world_zone_info(c->c_world, z, &i) != 0)
            continue;
        running += i.wzi_state == WORLD_ZONE_RUNNING;
        installed += i.wzi_state == WORLD_ZONE_INSTALLED;
        if (a != NULL)
            json_array_append_new(a, control_zone_json(c->c_world, z));
    }
    json_t *o = json_pack("{sIsIsI}", "total", (json_int_t)(running + installed), "running",
                          (json_int_t)running, "installed", (json_int_t)installed);
    if (o != NULL && a != NULL)
        json_object_set_new(o, "list", a);
    else
        json_decref(a);
    return o;
}

/* state {"zones": false}: time, faults and zones (false: counts only). */
static int
control_state(control_t *c, json_t *body, json_t **reply)
{
    static const char *const keys[] = {"zones", NULL};
    json_t *z = json_object_get(body, "zones");
    int rc;

    if ((rc = control_keys_check(body, keys, reply)) != 0)
        return rc;
    if (z != NULL && !json_is_boolean(z))
        return control_fail(reply, 400, "bad_request", "'zones' must be true or false");
    *reply = json_pack("{sosososI}", "time", control_time_json(c), "faults", control_fault_list(c),
                       "zones", control_zones_json(c, z == NULL || json_is_true(z)), "capacity",
                       (json_int_t)world_zone_capacity(c->c_world) - 1);
    return *reply ? 200 : 500;
}

/* ---- routing ---------------------------------------------------------------- */

typedef int (*control_handler_t)(control_t *c, json_t *body, json_t **reply);

static int
control_freeze(control_t *c, json_t *body, json_t **reply)
{
    return control_time_freeze(c, body, reply, 1);
}

static int
control_thaw(control_t *c, json_t *body, json_t **reply)
{
    return control_time_freeze(c, body, reply, 0);
}

static const struct control_route {
    const char *cr_path;
    control_handler_t cr_fn;
    const char *cr_action; /* zone actions: the action, cr_fn NULL */
} control_routes[] = {{"/v1/state", control_state, NULL},
                      {"/v1/faults/set", control_fault_set, NULL},
                      {"/v1/faults/clear", control_fault_clear, NULL},
                      {"/v1/zones/create", control_zone_create, NULL},
                      {"/v1/zones/destroy", NULL, "destroy"},
                      {"/v1/zones/halt", NULL, "halt"},
                      {"/v1/zones/boot", NULL, "boot"},
                      {"/v1/zones/reboot", NULL, "reboot"},
                      {"/v1/zones/load", NULL, "load"},
                      {"/v1/zones/caps", NULL, "caps"},
                      {"/v1/time/advance", control_time_advance, NULL},
                      {"/v1/time/freeze", control_freeze, NULL},
                      {"/v1/time/thaw", control_thaw, NULL},
                      {NULL, NULL, NULL}};

/* The body as a JSON object ({} when empty); NULL after setting the 400 answer. */
static json_t *
control_body(const char *body, size_t len, json_t **reply)
{
    json_error_t e;
    json_t *j;

    if (body == NULL || len == 0)
        return json_object();
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        control_fail(reply, 400, "bad_request", "the body is not JSON: %s (column %d)", e.text,
                     e.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        control_fail(reply, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

int
control_apply(control_t *c, const char *method, const char *path, const char *body, size_t len,
              json_t **reply)
{
    const struct control_route *r = control_routes;
    int get, status;
    json_t *j;

    *reply = NULL;
    while (r->cr_path != NULL && strcmp(r->cr_path, path) != 0)
        r++;
    if (r->cr_path == NULL)
        return control_fail(reply, 404, "unknown_route", "no such request: %s (see CONTROL.md)",
                            path);
    get = strcmp(method, "GET") == 0;
    if ((!get && strcmp(method, "POST") != 0) || (get && r->cr_fn != control_state))
        return control_fail(reply, 405, "method_not_allowed", "%s takes %s, not %s", path,
                            r->cr_fn == control_state ? "GET or POST" : "POST", method);
    if ((j = control_body(body, len, reply)) == NULL)
        return 400;
    control_fault_prune(c);
    status = r->cr_fn ? r->cr_fn(c, j, reply) : control_zone_action(c, r->cr_action, j, reply);
    json_decref(j);
    if (*reply == NULL)
        return 500; /* out of memory: nothing to say it with */
    return status;
}
