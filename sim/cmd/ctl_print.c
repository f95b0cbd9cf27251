/*
 * ctl_print.c - `cmon-sim ctl`'s output (ctl_print.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctl_print.h"

static int
ctl_print_done(void)
{
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

static const char *
ctl_str(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s && *s ? s : dflt;
}

static void
ctl_time_line(const json_t *t)
{
    printf("time    %.3f s of virtual time, %s\n", json_number_value(json_object_get(t, "now_s")),
           json_is_true(json_object_get(t, "frozen")) ? "frozen" : "moving");
}

/* "zone_vfs  every zone  EAGAIN at rate 0.5  +500 us" */
static void
ctl_fault_line(const json_t *f)
{
    const char *e = ctl_str(f, "errno", NULL);

    printf("  %-18s %-36s", ctl_str(f, "module", "*"), ctl_str(f, "zone", "every zone"));
    if (e != NULL)
        printf("  %s at rate %g", e, json_number_value(json_object_get(f, "rate")));
    if (json_integer_value(json_object_get(f, "latency_us")) > 0)
        printf("  +%lld us", (long long)json_integer_value(json_object_get(f, "latency_us")));
    if (json_is_true(json_object_get(f, "vanish")))
        printf("  vanished");
    printf("\n");
}

static void
ctl_fault_lines(const json_t *faults)
{
    size_t i;
    json_t *f;

    printf("faults  %zu\n", json_array_size(faults));
    json_array_foreach(faults, i, f) ctl_fault_line(f);
}

/* "<uuid>  running  zoneid 12  lx  alias lx-3" */
static void
ctl_zone_line(const json_t *z)
{
    json_t *id = json_object_get(z, "zoneid");
    char zid[24];

    snprintf(zid, sizeof(zid), "%lld", (long long)json_integer_value(id));
    printf("  %s  %-9s  zoneid %-6s  %-14s  alias %s\n", ctl_str(z, "uuid", "?"),
           ctl_str(z, "state", "?"), json_is_integer(id) ? zid : "-", ctl_str(z, "brand", "?"),
           ctl_str(z, "alias", "-"));
}

int
ctl_print_state(const json_t *reply, int list)
{
    const json_t *z = json_object_get(reply, "zones"), *l = json_object_get(z, "list");
    size_t i;
    json_t *e;

    ctl_time_line(json_object_get(reply, "time"));
    printf("zones   %lld (%lld running, %lld installed) of %lld\n",
           (long long)json_integer_value(json_object_get(z, "total")),
           (long long)json_integer_value(json_object_get(z, "running")),
           (long long)json_integer_value(json_object_get(z, "installed")),
           (long long)json_integer_value(json_object_get(reply, "capacity")));
    ctl_fault_lines(json_object_get(reply, "faults"));
    if (list)
        json_array_foreach(l, i, e) ctl_zone_line(e);
    return ctl_print_done();
}

int
ctl_print_faults(const json_t *reply, int list)
{
    (void)list;
    if (json_object_get(reply, "cleared") != NULL)
        printf("cleared %lld\n", (long long)json_integer_value(json_object_get(reply, "cleared")));
    ctl_fault_lines(json_object_get(reply, "faults"));
    return ctl_print_done();
}

int
ctl_print_zones(const json_t *reply, int list)
{
    const json_t *zs = json_object_get(reply, "zones");
    size_t i;
    json_t *z;

    (void)list;
    printf("%s %zu zone%s\n", ctl_str(reply, "action", "create"), json_array_size(zs),
           json_array_size(zs) == 1 ? "" : "s");
    json_array_foreach(zs, i, z) ctl_zone_line(z);
    return ctl_print_done();
}

int
ctl_print_time(const json_t *reply, int list)
{
    (void)list;
    ctl_time_line(json_object_get(reply, "time"));
    return ctl_print_done();
}

int
ctl_print_json(const json_t *reply)
{
    char *s = json_dumps(reply, JSON_COMPACT);

    if (s == NULL)
        return 1;
    printf("%s\n", s);
    free(s);
    return ctl_print_done();
}
