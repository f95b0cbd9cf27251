/* fault.c - cmon-bench --fault (see fault.h). */
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl_client.h"

/* One "key=value" of SPEC into body; 0, or -1 with err. */
static int
fault_pair(json_t *body, const char *spec, const char *pair, char *err, size_t errlen)
{
    const char *eq = strchr(pair, '=');
    char key[16];
    double v;

    if (eq == NULL || eq == pair || (size_t)(eq - pair) >= sizeof(key) || eq[1] == '\0') {
        snprintf(err, errlen, "--fault '%s': want key=value, got '%s'", spec, pair);
        return -1;
    }
    snprintf(key, sizeof(key), "%.*s", (int)(eq - pair), pair);
    if (json_object_get(body, key) != NULL) {
        snprintf(err, errlen, "--fault '%s': '%s' given twice", spec, key);
        return -1;
    }
    if (strcmp(key, "module") == 0 || strcmp(key, "zone") == 0 || strcmp(key, "errno") == 0)
        return json_object_set_new(body, key, json_string(eq + 1));
    if (strcmp(key, "rate") == 0 && cmon_parse_double(eq + 1, 0, 1, &v, NULL, 0) == 0)
        return json_object_set_new(body, key, json_real(v));
    if (strcmp(key, "latency_us") == 0 &&
        cmon_parse_double(eq + 1, 0, 10000000, &v, NULL, 0) == 0 && v == (double)(long)v)
        return json_object_set_new(body, key, json_integer((json_int_t)v));
    if (strcmp(key, "rate") == 0 || strcmp(key, "latency_us") == 0)
        snprintf(err, errlen, "--fault '%s': %s must be %s, got '%s'", spec, key,
                 key[0] == 'r' ? "a number from 0 to 1" : "a whole number from 0 to 10000000",
                 eq + 1);
    else
        snprintf(err, errlen,
                 "--fault '%s': unknown key '%s' (module, zone, errno, rate, latency_us)", spec,
                 key);
    return -1;
}

/* What faults/set needs whatever the world: a module, and an effect. 0, or -1 with err. */
static int
fault_complete(json_t *body, const char *spec, char *err, size_t errlen)
{
    const char *e = json_string_value(json_object_get(body, "errno"));

    if (json_object_get(body, "module") == NULL)
        snprintf(err, errlen, "--fault '%s': module=M (or module=*) is required", spec);
    else if (e == NULL && json_object_get(body, "latency_us") == NULL)
        snprintf(err, errlen, "--fault '%s': give errno=E,rate=R or latency_us=N", spec);
    else if (e == NULL && json_object_get(body, "rate") != NULL)
        snprintf(err, errlen, "--fault '%s': rate needs errno", spec);
    else if (e != NULL && strcmp(e, "EAGAIN") != 0 && strcmp(e, "ENXIO") != 0 &&
             strcmp(e, "EIO") != 0)
        snprintf(err, errlen, "--fault '%s': errno must be EAGAIN, ENXIO or EIO", spec);
    else
        return 0;
    return -1;
}

json_t *
fault_parse(const char *spec, char *err, size_t errlen)
{
    char buf[512], *save = NULL;
    json_t *body = json_object();

    if (strlen(spec) >= sizeof(buf)) {
        snprintf(err, errlen, "--fault: longer than %zu characters", sizeof(buf) - 1);
        json_decref(body);
        return NULL;
    }
    snprintf(buf, sizeof(buf), "%s", spec);
    for (char *p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
        if (fault_pair(body, spec, p, err, errlen) != 0) {
            json_decref(body);
            return NULL;
        }
    if (fault_complete(body, spec, err, errlen) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

int
fault_apply(const char *world, const char *const *specs, int n, char *err, size_t errlen)
{
    char path[4200], why[1024];
    ctl_client_t *c;
    int rc = 0;

    if (n == 0)
        return 0;
    if ((c = ctl_client_open(ctl_client_path(world, NULL, path, sizeof(path)), why, sizeof(why))) ==
        NULL) {
        snprintf(err, errlen, "--fault: %s", why);
        return -1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        json_t *body = fault_parse(specs[i], err, errlen), *reply = NULL;
        long status = 0;
        if (body == NULL || ctl_client_call(c, "POST", "/v1/faults/set", body, &status, &reply, why,
                                            sizeof(why)) != 0) {
            if (body != NULL)
                snprintf(err, errlen, "--fault '%s': %s", specs[i], why);
            rc = -1;
        } else if (status != 200) {
            snprintf(err, errlen, "--fault '%s': %s (HTTP %ld)", specs[i],
                     ctl_client_message(reply), status);
            rc = -1;
        }
        json_decref(body);
        json_decref(reply);
    }
    ctl_client_close(c);
    return rc;
}
