/*
 * corevm.c - core zones' VM records from vminfod, kept (corevm.h).
 */
#include "corevm.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "corefetch.h"
#include "log.h"
#include "monotime.h"
#include "strhash.h"

#define COREVM_BUCKETS 1024

/* ---- the record ------------------------------------------------------------ */

int
corevm_admin_tag(const char *tag)
{
    if (strncasecmp(tag, "admin", 5) != 0)
        return 0;
    tag += 5;
    if (*tag == '\0')
        return 1;
    if (strncasecmp(tag, "_rack_", 6) != 0 || tag[6] == '\0')
        return 0;
    for (tag += 6; *tag != '\0'; tag++)
        if (!isalnum((unsigned char)*tag) && *tag != '_' && *tag != '-')
            return 0;
    return 1;
}

/* JavaScript's truthiness of a JSON value (the original tested tags.smartdc_role so). */
static int
cv_truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0 && !isnan(json_real_value(v));
    case JSON_TRUE:
    case JSON_OBJECT:
    case JSON_ARRAY:
        return 1;
    default:
        return 0;
    }
}

static int
cv_admin_ip(const json_t *nics, corevm_rec_t *out, char *err, size_t errlen)
{
    if (nics == NULL)
        return 0;
    if (!json_is_array(nics)) {
        snprintf(err, errlen, "nics is not an array");
        return -1;
    }
    size_t i;
    const json_t *nic;
    json_array_foreach(nics, i, nic)
    {
        const char *tag = json_string_value(json_object_get(nic, "nic_tag"));
        const char *ip = json_string_value(json_object_get(nic, "ip"));
        if (tag != NULL && ip != NULL && corevm_admin_tag(tag) && strlen(ip) < COREVM_IP_MAX) {
            snprintf(out->cr_admin_ip, sizeof(out->cr_admin_ip), "%s", ip);
            break;
        }
    }
    return 0;
}

static void
cv_ports(const json_t *md, corevm_rec_t *out)
{
    const json_t *p = json_object_get(md, "metricPorts");
    out->cr_has_ports = p != NULL && !json_is_null(p);
    if (json_is_string(p) && json_string_length(p) < COREVM_PORTS_MAX)
        snprintf(out->cr_ports, sizeof(out->cr_ports), "%s", json_string_value(p));
}

int
corevm_parse(const char *body, size_t len, const char *admin_uuid, corevm_rec_t *out, char *err,
             size_t errlen)
{
    json_error_t je;
    memset(out, 0, sizeof(*out));
    json_t *vm = json_loadb(body, len, 0, &je);
    if (vm == NULL) {
        snprintf(err, errlen, "not JSON: %s at line %d column %d", je.text, je.line, je.column);
        return -1;
    }
    int rc = -1;
    if (!json_is_object(vm) || !json_is_string(json_object_get(vm, "uuid")))
        snprintf(err, errlen, "not a VM record: no uuid");
    else
        rc = cv_admin_ip(json_object_get(vm, "nics"), out, err, errlen);
    if (rc == 0) {
        const char *owner = json_string_value(json_object_get(vm, "owner_uuid"));
        const json_t *role = json_object_get(json_object_get(vm, "tags"), "smartdc_role");
        out->cr_core = admin_uuid != NULL && owner != NULL && strcmp(owner, admin_uuid) == 0 &&
                       role != NULL && cv_truthy(role);
        cv_ports(json_object_get(vm, "customer_metadata"), out);
    }
    json_decref(vm);
    return rc;
}

/* ---- the cache ---------------------------------------------------------------- */

typedef struct cv_entry {
    struct cv_entry *ce_next;
    uint32_t ce_hash;
    int ce_ok;     /* 1: ce_rec holds a record; 0: the last ask failed */
    int ce_zoneid; /* the zone id the caller gave with the record */
    double ce_at;  /* when it was read (or failed), monotonic seconds */
    corevm_rec_t ce_rec;
    char ce_err[COREFETCH_ERR_MAX];
    char ce_uuid[64];
} cv_entry_t;

struct corevm {
    pthread_mutex_t cv_lock;
    char *cv_url;
    char *cv_admin;
    unsigned long cv_requests;
    double cv_logged_at; /* when a failure was last logged at warn (under cv_lock) */
    double cv_silent_at; /* when vminfod last gave no answer at all (under cv_lock), 0 never */
    cv_entry_t *cv_buckets[COREVM_BUCKETS];
};

corevm_t *
corevm_new(const char *url, const char *admin_uuid)
{
    corevm_t *cv = calloc(1, sizeof(*cv));
    if (cv == NULL)
        return NULL;
    cv->cv_url = strdup(url);
    cv->cv_admin = admin_uuid ? strdup(admin_uuid) : NULL;
    if (cv->cv_url == NULL || (admin_uuid && cv->cv_admin == NULL) ||
        pthread_mutex_init(&cv->cv_lock, NULL) != 0) {
        free(cv->cv_url);
        free(cv->cv_admin);
        free(cv);
        errno = ENOMEM;
        return NULL;
    }
    return cv;
}

static void
cv_clear(corevm_t *cv)
{
    for (size_t b = 0; b < COREVM_BUCKETS; b++) {
        for (cv_entry_t *e = cv->cv_buckets[b], *next; e != NULL; e = next) {
            next = e->ce_next;
            free(e);
        }
        cv->cv_buckets[b] = NULL;
    }
}

void
corevm_free(corevm_t *cv)
{
    if (cv == NULL)
        return;
    cv_clear(cv);
    pthread_mutex_destroy(&cv->cv_lock);
    free(cv->cv_url);
    free(cv->cv_admin);
    free(cv);
}

const char *
corevm_admin_uuid(const corevm_t *cv)
{
    return cv->cv_admin;
}

void
corevm_forget(corevm_t *cv)
{
    pthread_mutex_lock(&cv->cv_lock);
    cv_clear(cv);
    cv->cv_silent_at = 0;
    pthread_mutex_unlock(&cv->cv_lock);
}

unsigned long
corevm_requests(const corevm_t *cv)
{
    return __atomic_load_n(&cv->cv_requests, __ATOMIC_RELAXED);
}

/* The entry of uuid (under the lock), or NULL. */
static cv_entry_t *
cv_find(corevm_t *cv, const char *uuid, uint32_t h)
{
    for (cv_entry_t *e = cv->cv_buckets[h % COREVM_BUCKETS]; e != NULL; e = e->ce_next)
        if (e->ce_hash == h && strcmp(e->ce_uuid, uuid) == 0)
            return e;
    return NULL;
}

/*
 * What the cache says of uuid: 0 a record to use, -1 a failure to report,
 * 1 ask vminfod.
 */
static int
cv_lookup(corevm_t *cv, const char *uuid, uint32_t h, int zoneid, double max_age, corevm_rec_t *out,
          char *err, size_t errlen)
{
    double now = cmon_monotime_s();
    int rc = 1;
    pthread_mutex_lock(&cv->cv_lock);
    cv_entry_t *e = cv_find(cv, uuid, h);
    if (e != NULL && e->ce_ok && now - e->ce_at <= max_age &&
        (zoneid < 0 || e->ce_zoneid == zoneid)) {
        *out = e->ce_rec;
        rc = 0;
    } else if (e != NULL && !e->ce_ok && now - e->ce_at < COREVM_RETRY_S) {
        snprintf(err, errlen, "%s", e->ce_err);
        rc = -1;
    } else if (cv->cv_silent_at != 0 && now - cv->cv_silent_at < COREVM_RETRY_S) {
        snprintf(err, errlen, "vminfod %s did not answer %.1f s ago: not asked before %g s",
                 cv->cv_url, now - cv->cv_silent_at, COREVM_RETRY_S);
        rc = -1; /* vminfod down or hung: no zone asks it, not one request per zone */
    }
    pthread_mutex_unlock(&cv->cv_lock);
    return rc;
}

static void
cv_store(corevm_t *cv, const char *uuid, uint32_t h, int zoneid, const corevm_rec_t *rec,
         const char *err)
{
    pthread_mutex_lock(&cv->cv_lock);
    cv_entry_t *e = cv_find(cv, uuid, h);
    if (e == NULL && strlen(uuid) < sizeof(e->ce_uuid) && (e = calloc(1, sizeof(*e))) != NULL) {
        snprintf(e->ce_uuid, sizeof(e->ce_uuid), "%s", uuid);
        e->ce_hash = h;
        e->ce_next = cv->cv_buckets[h % COREVM_BUCKETS];
        cv->cv_buckets[h % COREVM_BUCKETS] = e;
    }
    if (e != NULL) {
        e->ce_ok = rec != NULL;
        e->ce_zoneid = zoneid;
        e->ce_at = cmon_monotime_s();
        if (rec != NULL)
            e->ce_rec = *rec;
        snprintf(e->ce_err, sizeof(e->ce_err), "%s", err ? err : "");
    }
    pthread_mutex_unlock(&cv->cv_lock);
}

/*
 * A failure at warn at most once per COREVM_RETRY_S for all zones together
 * (vminfod down at 10,000 zones would otherwise be a line per zone), the
 * others at debug.
 */
static void
cv_log_failure(corevm_t *cv, const char *err)
{
    double now = cmon_monotime_s();
    pthread_mutex_lock(&cv->cv_lock);
    int warn = cv->cv_logged_at == 0 || now - cv->cv_logged_at >= COREVM_RETRY_S;
    if (warn)
        cv->cv_logged_at = now;
    pthread_mutex_unlock(&cv->cv_lock);
    log_msg(warn ? LOG_WARN : LOG_DEBUG, "%s (no new request for that VM for %g s)", err,
            COREVM_RETRY_S);
}

/* Whether vminfod answered at all: after no answer, no zone asks it for COREVM_RETRY_S. */
static void
cv_silent(corevm_t *cv, int silent)
{
    pthread_mutex_lock(&cv->cv_lock);
    cv->cv_silent_at = silent ? cmon_monotime_s() : 0;
    pthread_mutex_unlock(&cv->cv_lock);
}

/* GET URL/vms/<uuid> into out. 0, -2 no answer came, -1 another failure; the reason in err. */
static int
cv_fetch(corevm_t *cv, const char *uuid, corevm_rec_t *out, char *err, size_t errlen)
{
    corefetch_call_t c = {0};
    snprintf(c.cf_url, sizeof(c.cf_url), "%s/vms/%s", cv->cv_url, uuid);
    __atomic_add_fetch(&cv->cv_requests, 1, __ATOMIC_RELAXED);
    int rc = -1;
    if (corefetch_all(&c, 1, COREVM_TIMEOUT_S, COREVM_BODY_MAX) != 0)
        snprintf(err, errlen, "vminfod %s: out of memory", c.cf_url);
    else if (c.cf_status == 0) {
        snprintf(err, errlen, "vminfod %s: %s", c.cf_url, c.cf_error);
        rc = -2;
    } else if (c.cf_status != 200)
        snprintf(err, errlen, "vminfod %s: HTTP status %ld", c.cf_url, c.cf_status);
    else {
        char why[128];
        rc =
            corevm_parse(c.cf_body ? c.cf_body : "", c.cf_len, cv->cv_admin, out, why, sizeof(why));
        if (rc != 0)
            snprintf(err, errlen, "vminfod %s: %s", c.cf_url, why);
    }
    corefetch_release(&c);
    return rc;
}

int
corevm_kept(corevm_t *cv, const char *uuid, int zoneid, double max_age, corevm_rec_t *out)
{
    char err[8];
    int rc = cv_lookup(cv, uuid, strhash_fnv1a(uuid), zoneid, max_age, out, err, sizeof(err));
    return rc == 0 ? 1 : rc < 0 ? -1 : 0;
}

int
corevm_get(corevm_t *cv, const char *uuid, int zoneid, double max_age, corevm_rec_t *out, char *err,
           size_t errlen)
{
    uint32_t h = strhash_fnv1a(uuid);
    int rc = cv_lookup(cv, uuid, h, zoneid, max_age, out, err, errlen);
    if (rc <= 0)
        return rc;
    int frc = cv_fetch(cv, uuid, out, err, errlen);
    cv_silent(cv, frc == -2);
    if (frc != 0) {
        cv_log_failure(cv, err);
        cv_store(cv, uuid, h, zoneid, NULL, err);
        return -1;
    }
    cv_store(cv, uuid, h, zoneid, out, NULL);
    return 1;
}

int
corevm_ports(const char *text, unsigned *ports, int max, char *err, size_t errlen)
{
    int n = 0;
    for (const char *p = text;; p++) {
        size_t len = strcspn(p, ",");
        unsigned long v = 0;
        size_t i = 0;
        for (; i < len && p[i] >= '0' && p[i] <= '9' && v <= 65535; i++)
            v = v * 10 + (unsigned long)(p[i] - '0');
        if (len == 0 || i != len || v < 1 || v > 65535) {
            snprintf(err, errlen, "metricPorts '%s': '%.*s' is not a port number", text, (int)len,
                     p);
            return -1;
        }
        if (n == max) {
            snprintf(err, errlen, "metricPorts '%s': more than %d ports", text, max);
            return -1;
        }
        ports[n++] = (unsigned)v;
        p += len;
        if (*p == '\0')
            return n;
    }
}
