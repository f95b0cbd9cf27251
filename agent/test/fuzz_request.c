/*
 * libFuzzer target: the agent's request path on arbitrary bytes, as a
 * request reaches it: the gate's check of a first request line on the raw
 * bytes, the guard's checks of the method and the raw target
 * (httpguard.h), routing over the agent's own route table (http.h, a 405's
 * Allow), the "{}" segment's UUID check, Accept / Accept-Encoding
 * negotiation (negotiate.h) and the x-joyent-cmon-opts header (cmonopts.h).
 * Built with clang only (scripts/fuzz.sh). The input is five fields split
 * on '\n': method, target, Accept, Accept-Encoding, x-joyent-cmon-opts.
 * Checks the invariants each contract states.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cmonopts.h"
#include "http.h"
#include "httpguard.h"
#include "negotiate.h"
#include "uuid.h"

#define FIELDS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits a copy of data on '\n' into at most FIELDS strings (NULL: absent). */
static char *
split(const uint8_t *data, size_t size, char *field[FIELDS])
{
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *at = copy;
    for (int k = 0; k < FIELDS; k++) {
        field[k] = at;
        char *nl = at != NULL ? strchr(at, '\n') : NULL;
        if (nl != NULL)
            *nl = '\0';
        at = nl != NULL ? nl + 1 : NULL;
    }
    return copy;
}

static unsigned
method_bit(const char *m)
{
    return strcmp(m, "GET") == 0    ? HTTP_GET
           : strcmp(m, "HEAD") == 0 ? HTTP_HEAD
           : strcmp(m, "POST") == 0 ? HTTP_POST
                                    : 0x100;
}

static void
fuzz_route(const char *method, const char *target)
{
    unsigned refuse = httpguard_target_check(target, strlen(target), 1024);
    if (refuse != 0 && refuse != 400 && refuse != 414)
        abort();
    (void)httpguard_is_token(method);
    char path[1100], param[256], allow[64];
    size_t n = strcspn(target, "?");
    if (refuse != 0 || n >= sizeof(path))
        return;
    memcpy(path, target, n);
    path[n] = '\0';
    unsigned status = 0;
    const http_route_t *rt =
        http_route_match(agent_routes, method_bit(method), path, param, sizeof(param), &status);
    if ((status == 404) != (rt == NULL) || (status != 200 && status != 404 && status != 405))
        abort();
    if (status == 405) {
        http_allow(rt->rt_methods, allow, sizeof(allow));
        if (allow[0] == '\0')
            abort();
    }
    if (status == 200 && strstr(rt->rt_path, "{}") != NULL) {
        if (strlen(param) == 0 || strchr(param, '/') != NULL)
            abort();
        (void)agent_valid_uuid(param);
    }
}

/* The gate's first-line check on the raw bytes: a verdict other than "more"
 * never changes with more bytes, and "more" stops at httpguard_line_max(). */
static void
fuzz_first_line(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    httpguard_line_t v = httpguard_line_check(s, size, 64);
    if ((unsigned)v > HTTPGUARD_LINE_LONG ||
        (v == HTTPGUARD_LINE_MORE && size >= httpguard_line_max(64)))
        abort();
    httpguard_line_t before = size > 0 ? httpguard_line_check(s, size - 1, 64) : v;
    if (before != HTTPGUARD_LINE_MORE && before != v)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *field[FIELDS];
    char *copy = split(data, size, field);
    if (copy == NULL)
        return 0;
    fuzz_first_line(data, size);
    fuzz_route(field[0], field[1] != NULL ? field[1] : "/");
    expo_format_t f = negotiate_format(field[2]);
    expo_format_t g = negotiate_format_text_first(field[2]);
    if ((unsigned)f > EXPO_OPENMETRICS || (unsigned)g > EXPO_OPENMETRICS)
        abort();
    int z = negotiate_gzip(field[3]);
    if (z != 0 && z != 1)
        abort();
    cmonopts_t o = {.co_core_zone = -1};
    cmonopts_err_t e = cmonopts_parse(field[4], &o);
    if ((e != CMONOPTS_OK && o.co_core_zone != 0) || (o.co_core_zone != 0 && o.co_core_zone != 1))
        abort();
    if (cmonopts_strerror(e) == NULL)
        abort();
    free(copy);
    return 0;
}
