/*
 * control_zone.c - zones/create and the zone actions (destroy, halt, boot,
 * reboot, load, caps) of the control protocol (CONTROL.md).
 *
 * An action names its zones by one selector: "uuid" (one zone, which must
 * be in a state the action takes), "alias" (a shell pattern over the
 * aliases: every matching zone the action takes, the others skipped) or
 * "count" (the first N zones in slot order that the action takes, core
 * zones excepted: fewer than N is a conflict). Every zone is chosen before
 * any is changed, and the changes are one batch: readers see the kstat
 * chain change once.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "control_impl.h"

static const char *
control_state_name(world_zstate_t s)
{
    return s == WORLD_ZONE_RUNNING ? "running" : s == WORLD_ZONE_INSTALLED ? "installed" : "free";
}

json_t *
control_zone_json(const world_t *w, int zix)
{
    world_zone_info_t i;

    if (world_zone_info(w, zix, &i) != 0)
        return json_null();
    return json_pack("{ss ss ss ss so}", "uuid", i.wzi_name, "alias", i.wzi_alias, "brand",
                     i.wzi_brand, "state", control_state_name(i.wzi_state), "zoneid",
                     i.wzi_zoneid >= 0 ? json_integer(i.wzi_zoneid) : json_null());
}

/* ---- zones/create ----------------------------------------------------------- */

static int
control_brand_ok(const char *b)
{
    static const char *const brands[] = {"joyent", "joyent-minimal", "lx", "kvm", "bhyve", NULL};

    for (const char *const *k = brands; *k != NULL; k++)
        if (strcmp(*k, b) == 0)
            return 1;
    return 0;
}

/* One zone of brand (NULL: drawn from the seed as serve's own), alias as given or derived. */
static int
control_zone_add(control_t *c, const char *brand, const char *alias, int halted)
{
    char name[WORLD_NAME_MAX];
    uint64_t n = c->c_serial++;

    if (brand == NULL && alias == NULL && !halted)
        return world_zone_add_random(c->c_world, n);
    snprintf(name, sizeof(name), "%s-%llu", brand ? brand : "joyent", (unsigned long long)n);
    world_zone_opts_t o = {.wzo_brand = brand,
                           .wzo_alias = alias ? alias : name,
                           .wzo_cpu_cap = 100,
                           .wzo_mem_cap = 1ULL << 30,
                           .wzo_swap_cap = 2ULL << 30,
                           .wzo_nics = 2,
                           .wzo_halted = halted};
    world_load_t l = {.wl_cpu_user = 0.2,
                      .wl_cpu_sys = 0.05,
                      .wl_net_rx_bps = 1 << 20,
                      .wl_net_tx_bps = 1 << 19,
                      .wl_vfs_read_bps = 4 << 20,
                      .wl_vfs_write_bps = 1 << 20,
                      .wl_rss = 512ULL << 20};
    int zix = world_zone_add(c->c_world, &o);
    if (zix > 0)
        world_zone_load_set(c->c_world, zix, &l);
    return zix;
}

/* The create request's fields; 0, or the 400 answer. */
static int
control_create_read(json_t *body, const char **brand, const char **alias, json_int_t *count,
                    int *halted, json_t **reply)
{
    json_t *b = json_object_get(body, "brand"), *a = json_object_get(body, "alias");
    json_t *n = json_object_get(body, "count"), *h = json_object_get(body, "halted");

    if ((b != NULL && !json_is_string(b)) || (b != NULL && !control_brand_ok(json_string_value(b))))
        return control_fail(reply, 400, "bad_request",
                            "'brand' must be joyent, joyent-minimal, lx, kvm or bhyve");
    if (a != NULL && (!json_is_string(a) || strlen(json_string_value(a)) == 0 ||
                      strlen(json_string_value(a)) >= WORLD_NAME_MAX))
        return control_fail(reply, 400, "bad_request", "'alias' must be 1 to %d characters",
                            WORLD_NAME_MAX - 1);
    *count = n ? json_integer_value(n) : 1;
    if ((n != NULL && !json_is_integer(n)) || *count < 1 || *count > CONTROL_CREATE_MAX)
        return control_fail(reply, 400, "bad_request", "'count' must be 1 to %d",
                            CONTROL_CREATE_MAX);
    if (h != NULL && !json_is_boolean(h))
        return control_fail(reply, 400, "bad_request", "'halted' must be true or false");
    *brand = json_string_value(b);
    *alias = json_string_value(a);
    *halted = json_is_true(h);
    return 0;
}

int
control_zone_create(control_t *c, json_t *body, json_t **reply)
{
    static const char *const keys[] = {"brand", "alias", "count", "halted", NULL};
    const char *brand = NULL, *alias = NULL;
    json_int_t count = 0;
    int halted = 0, rc;
    json_t *made;

    if ((rc = control_keys_check(body, keys, reply)) != 0 ||
        (rc = control_create_read(body, &brand, &alias, &count, &halted, reply)) != 0)
        return rc;
    if (world_zone_count(c->c_world) + (uint64_t)count > world_zone_capacity(c->c_world))
        return control_fail(reply, 409, "conflict",
                            "the world has room for %u more zones, not %lld (serve --max-zones "
                            "sets its room)",
                            world_zone_capacity(c->c_world) - world_zone_count(c->c_world),
                            (long long)count);
    if ((made = json_array()) == NULL)
        return 500;
    world_batch_begin(c->c_world);
    for (json_int_t i = 0; i < count; i++) {
        int zix = control_zone_add(c, brand, alias, halted);
        if (zix > 0)
            json_array_append_new(made, control_zone_json(c->c_world, zix));
    }
    world_batch_end(c->c_world);
    *reply = json_pack("{so}", "zones", made);
    return 200;
}

/* ---- the actions ------------------------------------------------------------- */

typedef struct control_action {
    const char *ca_name;
    int (*ca_fn)(control_t *c, int zix, json_t *body); /* 0 or -1 with errno */
    int ca_want;                                       /* the state it takes; 0: any */
} control_action_t;

static int
control_do_destroy(control_t *c, int zix, json_t *body)
{
    (void)body;
    return world_zone_destroy(c->c_world, zix);
}

static int
control_do_halt(control_t *c, int zix, json_t *body)
{
    (void)body;
    return world_zone_halt(c->c_world, zix);
}

static int
control_do_boot(control_t *c, int zix, json_t *body)
{
    (void)body;
    return world_zone_boot(c->c_world, zix);
}

static int
control_do_reboot(control_t *c, int zix, json_t *body)
{
    (void)body;
    return world_zone_reboot(c->c_world, zix);
}

/* A number of obj at key into *v, kept when absent (checked before). */
static void
control_number(json_t *obj, const char *key, double *v)
{
    json_t *n = json_object_get(obj, key);

    if (n != NULL)
        *v = json_number_value(n);
}

static int
control_do_load(control_t *c, int zix, json_t *body)
{
    json_t *l = json_object_get(body, "load");
    world_zone_info_t i;
    double v[7];

    if (world_zone_info(c->c_world, zix, &i) != 0)
        return -1;
    world_load_t *w = &i.wzi_load;
    v[0] = w->wl_cpu_user, v[1] = w->wl_cpu_sys, v[2] = (double)w->wl_net_rx_bps;
    v[3] = (double)w->wl_net_tx_bps, v[4] = (double)w->wl_vfs_read_bps;
    v[5] = (double)w->wl_vfs_write_bps, v[6] = (double)w->wl_rss;
    control_number(l, "cpu_user", &v[0]), control_number(l, "cpu_sys", &v[1]);
    control_number(l, "net_rx_bps", &v[2]), control_number(l, "net_tx_bps", &v[3]);
    control_number(l, "vfs_read_bps", &v[4]), control_number(l, "vfs_write_bps", &v[5]);
    control_number(l, "rss", &v[6]);
    world_load_t n = {v[0],           v[1],           (uint64_t)v[2], (uint64_t)v[3],
                      (uint64_t)v[4], (uint64_t)v[5], (uint64_t)v[6]};
    return world_zone_load_set(c->c_world, zix, &n);
}

static int
control_do_caps(control_t *c, int zix, json_t *body)
{
    world_zone_info_t i;
    double v[4];

    if (world_zone_info(c->c_world, zix, &i) != 0)
        return -1;
    v[0] = i.wzi_cpu_cap, v[1] = (double)i.wzi_mem_cap, v[2] = (double)i.wzi_swap_cap;
    v[3] = (double)i.wzi_quota;
    control_number(body, "cpu_cap", &v[0]), control_number(body, "mem_cap", &v[1]);
    control_number(body, "swap_cap", &v[2]), control_number(body, "quota", &v[3]);
    return world_zone_caps_set(c->c_world, zix, (uint32_t)v[0], (uint64_t)v[1], (uint64_t)v[2],
                               (uint64_t)v[3]);
}

static const control_action_t control_actions[] = {
    {"destroy", control_do_destroy, 0},
    {"halt", control_do_halt, WORLD_ZONE_RUNNING},
    {"boot", control_do_boot, WORLD_ZONE_INSTALLED},
    {"reboot", control_do_reboot, WORLD_ZONE_RUNNING},
    {"load", control_do_load, 0},
    {"caps", control_do_caps, 0},
    {NULL, NULL, 0}};

/* Every value of obj named in keys (NULL-terminated) a number in [0, max]; 0 or the 400. */
static int
control_numbers_check(json_t *obj, const char *const *keys, double max, json_t **reply)
{
    for (const char *const *k = keys; *k != NULL; k++) {
        json_t *n = json_object_get(obj, *k);
        double v = json_number_value(n);
        if (n != NULL && (!json_is_number(n) || !(v >= 0 && v <= max)))
            return control_fail(reply, 400, "bad_request", "'%s' must be a number, 0 to %g", *k,
                                max);
    }
    return 0;
}

/* The keys an action takes besides its selector, and their values; 0, or the 400 answer. */
static int
control_action_keys(const control_action_t *a, json_t *body, json_t **reply)
{
    static const char *const sel[] = {"uuid", "alias", "count", NULL};
    static const char *const load[] = {"uuid", "alias", "count", "load", NULL};
    static const char *const caps[] = {"uuid",    "alias",    "count", "cpu_cap",
                                       "mem_cap", "swap_cap", "quota", NULL};
    static const char *const lkeys[] = {"cpu_user",     "cpu_sys",       "net_rx_bps", "net_tx_bps",
                                        "vfs_read_bps", "vfs_write_bps", "rss",        NULL};
    int rc;

    if (a->ca_fn == control_do_caps) {
        if ((rc = control_keys_check(body, caps, reply)) != 0)
            return rc;
        return control_numbers_check(body, caps + 3, 1e18, reply);
    }
    if (a->ca_fn != control_do_load)
        return control_keys_check(body, sel, reply);
    json_t *l = json_object_get(body, "load");
    if ((rc = control_keys_check(body, load, reply)) != 0)
        return rc;
    if (!json_is_object(l))
        return control_fail(reply, 400, "bad_request", "'load' is required: an object");
    if ((rc = control_keys_check(l, lkeys, reply)) != 0)
        return rc;
    return control_numbers_check(l, lkeys, 1e18, reply);
}

/* 1 when zone zix is one action a takes (a non-global zone in the state it wants). */
static int
control_takes(const control_t *c, const control_action_t *a, int zix, world_zone_info_t *i)
{
    return zix > 0 && world_zone_info(c->c_world, zix, i) == 0 &&
           (a->ca_want == 0 || (int)i->wzi_state == a->ca_want);
}

/* The zone by uuid into zixs[0]; 1, or -status after the answer. */
static int
control_pick_uuid(const control_t *c, const control_action_t *a, const char *uuid, int *zixs,
                  json_t **reply)
{
    world_zone_info_t i;
    int zix = world_zone_find(c->c_world, uuid);

    if (zix < 0 || world_zone_info(c->c_world, zix, &i) != 0 || strcmp(i.wzi_name, uuid) != 0)
        return -control_fail(reply, 404, "unknown_zone", "no zone %s", uuid);
    if (zix == 0)
        return -control_fail(reply, 409, "conflict", "the global zone cannot be changed");
    if (!control_takes(c, a, zix, &i))
        return -control_fail(reply, 409, "conflict", "zone %s is %s: cannot %s it", uuid,
                             control_state_name(i.wzi_state), a->ca_name);
    zixs[0] = zix;
    return 1;
}

/* The zones whose alias matches pattern and that a takes; their count, or -status after the answer.
 */
static int
control_pick_alias(const control_t *c, const control_action_t *a, const char *pattern, int *zixs,
                   json_t **reply)
{
    world_zone_info_t i;
    int n = 0, matched = 0;

    for (int z = world_zone_next(c->c_world, 0); z > 0; z = world_zone_next(c->c_world, z)) {
        if (world_zone_info(c->c_world, z, &i) != 0 || fnmatch(pattern, i.wzi_alias, 0) != 0)
            continue;
        matched++;
        if (control_takes(c, a, z, &i))
            zixs[n++] = z;
    }
    if (matched == 0)
        return -control_fail(reply, 404, "unknown_zone", "no zone's alias matches '%s'", pattern);
    if (n == 0)
        return -control_fail(reply, 409, "conflict",
                             "%d zones match '%s', none of them in a state to %s", matched, pattern,
                             a->ca_name);
    return n;
}

/* The first count zones a takes, core zones excepted; count, or -status after the answer. */
static int
control_pick_count(const control_t *c, const control_action_t *a, json_int_t count, int *zixs,
                   json_t **reply)
{
    world_zone_info_t i;
    int n = 0;

    for (int z = world_zone_next(c->c_world, (int)c->c_core); z > 0 && n < count;
         z = world_zone_next(c->c_world, z))
        if (control_takes(c, a, z, &i))
            zixs[n++] = z;
    if (n < count)
        return -control_fail(reply, 409, "conflict", "only %d zones can take %s, not %lld", n,
                             a->ca_name, (long long)count);
    return n;
}

/* The zones the selector of body names into zixs; their count, or -status after the answer. */
static int
control_pick(const control_t *c, const control_action_t *a, json_t *body, int *zixs, json_t **reply)
{
    json_t *u = json_object_get(body, "uuid"), *p = json_object_get(body, "alias");
    json_t *n = json_object_get(body, "count");

    if ((u != NULL) + (p != NULL) + (n != NULL) != 1)
        return -control_fail(reply, 400, "bad_request",
                             "name the zones by exactly one of 'uuid', 'alias', 'count'");
    if (u != NULL || p != NULL) {
        if (!json_is_string(u ? u : p))
            return -control_fail(reply, 400, "bad_request", "'%s' must be a string",
                                 u ? "uuid" : "alias");
        return u ? control_pick_uuid(c, a, json_string_value(u), zixs, reply)
                 : control_pick_alias(c, a, json_string_value(p), zixs, reply);
    }
    if (!json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) >= (json_int_t)world_zone_capacity(c->c_world))
        return -control_fail(reply, 400, "bad_request", "'count' must be 1 to %u",
                             world_zone_capacity(c->c_world) - 1);
    return control_pick_count(c, a, json_integer_value(n), zixs, reply);
}

/* Applies a to the n zones of zixs in one batch; the answer listing them as they are after. */
static int
control_act(control_t *c, const control_action_t *a, json_t *body, const int *zixs, int n,
            json_t **reply)
{
    json_t *done = json_array();
    int failed = 0;

    world_batch_begin(c->c_world);
    for (int k = 0; k < n; k++) {
        json_t *before =
            a->ca_fn == control_do_destroy ? control_zone_json(c->c_world, zixs[k]) : NULL;
        if (a->ca_fn == control_do_destroy)
            control_fault_forget(c, zixs[k]);
        if (a->ca_fn(c, zixs[k], body) != 0) {
            failed++;
            json_decref(before);
            continue;
        }
        json_array_append_new(done, before ? before : control_zone_json(c->c_world, zixs[k]));
    }
    world_batch_end(c->c_world);
    if (failed > 0) { /* checked before: the world refused what it was thought to take */
        json_decref(done);
        return control_fail(reply, 409, "conflict", "%d of %d zones could not be changed: %s",
                            failed, n, strerror(errno));
    }
    *reply = json_pack("{ssso}", "action", a->ca_name, "zones", done);
    return 200;
}

int
control_zone_action(control_t *c, const char *action, json_t *body, json_t **reply)
{
    const control_action_t *a = control_actions;
    int *zixs, n, rc;

    while (a->ca_name != NULL && strcmp(a->ca_name, action) != 0)
        a++;
    if (a->ca_name == NULL)
        return control_fail(reply, 404, "unknown_route", "no zone action %s", action);
    if ((rc = control_action_keys(a, body, reply)) != 0)
        return rc;
    if ((zixs = malloc(world_zone_capacity(c->c_world) * sizeof(*zixs))) == NULL)
        return 500;
    n = control_pick(c, a, body, zixs, reply);
    rc = n < 0 ? -n : control_act(c, a, body, zixs, n, reply);
    free(zixs);
    return rc;
}
