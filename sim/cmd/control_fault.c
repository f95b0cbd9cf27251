/*
 * control_fault.c - faults/set and faults/clear (CONTROL.md).
 *
 * The world stores faults for its readers but offers its writer no way to
 * read them back or to remove one, so the control keeps the list of what it
 * set: faults/clear removes the matching entries from that list, clears the
 * world's table and sets the remaining ones again, in order (readers see
 * the table change under its sequence counter each time: a scrape in
 * between sees fewer faults for a moment, never a torn one).
 */
#include <errno.h>
#include <string.h>

#include "control_impl.h"

/* The kstat modules of a world (DESIGN.md): the only names a fault may take. */
static const char *const control_modules[] = {
    "zones", "memory_cap", "caps",     "zone_vfs", "zone_zfs",           "tcp", "link",
    "unix",  "cpu",        "cpu_info", "zfs",      "zfs_metaslab_group", NULL};

static const struct control_errno {
    const char *ce_name;
    int ce_errno;
} control_errnos[] = {{"EAGAIN", EAGAIN}, {"ENXIO", ENXIO}, {"EIO", EIO}, {NULL, 0}};

static const char *
control_errno_name(int e)
{
    for (const struct control_errno *x = control_errnos; x->ce_name != NULL; x++)
        if (x->ce_errno == e)
            return x->ce_name;
    return NULL;
}

/* "*" is every module (the world's ""); 0, or the 404 answer. */
static int
control_module(const char *m, char out[32], json_t **reply)
{
    if (strcmp(m, "*") == 0) {
        out[0] = '\0';
        return 0;
    }
    for (const char *const *k = control_modules; *k != NULL; k++)
        if (strcmp(*k, m) == 0) {
            snprintf(out, 32, "%s", m);
            return 0;
        }
    return control_fail(reply, 404, "unknown_module",
                        "unknown module '%s' (modules: zones, memory_cap, caps, zone_vfs, "
                        "zone_zfs, tcp, link, unix, cpu, cpu_info, zfs, zfs_metaslab_group, or *)",
                        m);
}

/* The zone named by its uuid, a running or installed non-global zone; -1 after the 404. */
static int
control_zone_uuid(const world_t *w, const char *uuid, json_t **reply)
{
    world_zone_info_t i;
    int zix = world_zone_find(w, uuid);

    /* world_zone_find also takes aliases: a fault names a zone by uuid */
    if (zix <= 0 || world_zone_info(w, zix, &i) != 0 || strcmp(i.wzi_name, uuid) != 0) {
        control_fail(reply, 404, "unknown_zone", "no zone %s", uuid);
        return -1;
    }
    return zix;
}

json_t *
control_fault_list(const control_t *c)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < c->c_nfaults; i++) {
        const control_fault_t *f = &c->c_faults[i];
        const char *e = control_errno_name(f->cf_fault.wf_error);
        json_array_append_new(
            a,
            json_pack("{ss so so sf sI sb}", "module",
                      f->cf_fault.wf_module[0] ? f->cf_fault.wf_module : "*", "zone",
                      f->cf_zone[0] ? json_string(f->cf_zone) : json_null(), "errno",
                      e ? json_string(e) : json_null(), "rate", f->cf_fault.wf_rate, "latency_us",
                      (json_int_t)f->cf_fault.wf_latency_us, "vanish", f->cf_fault.wf_vanish));
    }
    return a;
}

/* errno and rate of the request into f; 0, or the 400 answer. */
static int
control_fault_error(json_t *body, world_fault_t *f, json_t **reply)
{
    json_t *e = json_object_get(body, "errno"), *r = json_object_get(body, "rate");

    if (e != NULL) {
        const struct control_errno *x = control_errnos;
        while (x->ce_name != NULL &&
               !(json_is_string(e) && strcmp(x->ce_name, json_string_value(e)) == 0))
            x++;
        if (x->ce_name == NULL)
            return control_fail(reply, 400, "bad_request",
                                "'errno' must be \"EAGAIN\", \"ENXIO\" or \"EIO\"");
        f->wf_error = x->ce_errno;
        f->wf_rate = 1;
    }
    if (r != NULL) {
        double v = json_number_value(r);
        if (!json_is_number(r) || !(v >= 0 && v <= 1))
            return control_fail(reply, 400, "bad_request", "'rate' must be a number in [0, 1]");
        if (e == NULL)
            return control_fail(reply, 400, "bad_request", "'rate' needs 'errno'");
        f->wf_rate = v;
    }
    return 0;
}

/* latency_us and vanish of the request into f; 0, or the 400 answer. */
static int
control_fault_other(json_t *body, world_fault_t *f, json_t **reply)
{
    json_t *l = json_object_get(body, "latency_us"), *v = json_object_get(body, "vanish");

    if (l != NULL) {
        json_int_t us = json_integer_value(l);
        if (!json_is_integer(l) || us < 0 || us > 10000000)
            return control_fail(reply, 400, "bad_request",
                                "'latency_us' must be a whole number, 0 to 10000000");
        f->wf_latency_us = (uint32_t)us;
    }
    if (v != NULL && !json_is_boolean(v))
        return control_fail(reply, 400, "bad_request", "'vanish' must be true or false");
    f->wf_vanish = json_is_true(v);
    if (f->wf_error == 0 && f->wf_latency_us == 0 && !f->wf_vanish)
        return control_fail(reply, 400, "bad_request",
                            "give at least one of 'errno', 'latency_us', 'vanish'");
    return 0;
}

/* module and zone of the request into cf; 0, or the 400/404 answer. */
static int
control_fault_where(control_t *c, json_t *body, control_fault_t *cf, json_t **reply)
{
    json_t *m = json_object_get(body, "module"), *z = json_object_get(body, "zone");
    int rc;

    if (!json_is_string(m))
        return control_fail(reply, 400, "bad_request", "'module' is required: a module or \"*\"");
    if ((rc = control_module(json_string_value(m), cf->cf_fault.wf_module, reply)) != 0)
        return rc;
    cf->cf_fault.wf_zix = -1;
    if (z != NULL && !json_is_string(z))
        return control_fail(reply, 400, "bad_request", "'zone' must be a zone's uuid");
    if (z != NULL) {
        if ((cf->cf_fault.wf_zix = control_zone_uuid(c->c_world, json_string_value(z), reply)) < 0)
            return 404;
        snprintf(cf->cf_zone, sizeof(cf->cf_zone), "%s", json_string_value(z));
    }
    if (cf->cf_fault.wf_vanish && z == NULL)
        return control_fail(reply, 400, "bad_request", "'vanish' needs 'zone'");
    return 0;
}

int
control_fault_set(control_t *c, json_t *body, json_t **reply)
{
    static const char *const keys[] = {"module",     "zone",   "errno", "rate",
                                       "latency_us", "vanish", NULL};
    control_fault_t cf;
    int rc;

    memset(&cf, 0, sizeof(cf));
    if ((rc = control_keys_check(body, keys, reply)) != 0 ||
        (rc = control_fault_error(body, &cf.cf_fault, reply)) != 0 ||
        (rc = control_fault_other(body, &cf.cf_fault, reply)) != 0 ||
        (rc = control_fault_where(c, body, &cf, reply)) != 0)
        return rc;
    if (c->c_nfaults >= WORLD_FAULTS_MAX)
        return control_fail(reply, 409, "conflict", "%d faults are set already (the most)",
                            WORLD_FAULTS_MAX);
    if (world_fault_set(c->c_world, &cf.cf_fault) < 0)
        return control_fail(reply, 409, "conflict", "the world refused the fault: %s",
                            strerror(errno));
    c->c_faults[c->c_nfaults++] = cf;
    *reply = json_pack("{so}", "faults", control_fault_list(c));
    return 200;
}

/* 1 when fault f matches module (NULL: any; "" the "*" faults) and zone (NULL: any). */
static int
control_fault_matches(const control_fault_t *f, const char *module, const char *zone)
{
    return (module == NULL || strcmp(f->cf_fault.wf_module, module) == 0) &&
           (zone == NULL || strcmp(f->cf_zone, zone) == 0);
}

int
control_fault_clear(control_t *c, json_t *body, json_t **reply)
{
    static const char *const keys[] = {"module", "zone", NULL};
    json_t *m = json_object_get(body, "module"), *z = json_object_get(body, "zone");
    char module[32];
    size_t kept = 0, cleared;
    int rc;

    if ((rc = control_keys_check(body, keys, reply)) != 0)
        return rc;
    if ((m != NULL && !json_is_string(m)) || (z != NULL && !json_is_string(z)))
        return control_fail(reply, 400, "bad_request", "'module' and 'zone' must be strings");
    if (m != NULL && (rc = control_module(json_string_value(m), module, reply)) != 0)
        return rc;
    for (size_t i = 0; i < c->c_nfaults; i++)
        if (!control_fault_matches(&c->c_faults[i], m ? module : NULL, json_string_value(z)))
            c->c_faults[kept++] = c->c_faults[i];
    cleared = c->c_nfaults - kept;
    c->c_nfaults = kept;
    world_fault_clear(c->c_world);
    for (size_t i = 0; i < kept; i++)
        world_fault_set(c->c_world, &c->c_faults[i].cf_fault); /* accepted before: cannot fail */
    *reply = json_pack("{sIso}", "cleared", (json_int_t)cleared, "faults", control_fault_list(c));
    return 200;
}

void
control_fault_prune(control_t *c)
{
    world_zone_info_t i;

    for (size_t k = 0; k < c->c_nfaults; k++) {
        const control_fault_t *f = &c->c_faults[k];
        if (f->cf_zone[0] != '\0' && (world_zone_info(c->c_world, f->cf_fault.wf_zix, &i) != 0 ||
                                      strcmp(i.wzi_name, f->cf_zone) != 0)) {
            control_fault_forget(c, f->cf_fault.wf_zix);
            k = (size_t)-1; /* the list changed: look again from the start */
        }
    }
}

void
control_fault_forget(control_t *c, int zix)
{
    size_t kept = 0, n = c->c_nfaults;

    for (size_t i = 0; i < n; i++)
        if (c->c_faults[i].cf_fault.wf_zix != zix)
            c->c_faults[kept++] = c->c_faults[i];
    if (kept == n)
        return;
    c->c_nfaults = kept;
    world_fault_clear(c->c_world);
    for (size_t i = 0; i < kept; i++)
        world_fault_set(c->c_world, &c->c_faults[i].cf_fault);
}
