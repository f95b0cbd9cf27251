/*
 * inventory - cmon-proxy's view of the data center (see inventory.h).
 *
 * The protocol with the control plane (sim/cplane API, as VMAPI's feed):
 * read the feed's head S, list every page of running instances, list the
 * compute nodes, then apply /changes?since=S and keep long-polling. Upserts
 * and destroys are idempotent, so a change that happened while we listed and
 * is replayed by the feed does no harm; what the listing missed, the feed
 * brings. A 410 (S older than the feed keeps), a feed going backwards (the
 * control plane restarted) or repeated failures make us list again.
 *
 * Concurrency: the tables (inv_store) sit behind a read-write lock. A listing
 * is built into a fresh store without the lock and swapped in; feed changes
 * are parsed without the lock and applied under it a chunk at a time, so a
 * look-up waits at most one chunk, never the control plane.
 */
#include "inventory.h"

#include <errno.h>
#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "inv_parse.h"
#include "inv_store.h"
#include "monotime.h"
#include "sbuf.h"

#define PAGE_LIMIT 1000                    /* /vms?limit= */
#define PAGE_OVERLAP 16                    /* pages re-read this many instances (see list_vms) */
#define PAGE_BODY_MAX ((size_t)16 << 20)   /* one page of 1,000 instances is ~0.5 MB */
#define CHANGES_BODY_MAX ((size_t)4 << 20) /* larger backlogs: list again, page by page */
#define SMALL_BODY_MAX ((size_t)1 << 20)   /* /changes/head, /servers/<uuid> */
#define SERVERS_BODY_MAX ((size_t)16 << 20)
#define APPLY_CHUNK 256        /* feed changes applied per hold of the write lock */
#define LOOKUP_INTERVAL_S 30.0 /* an unknown compute node is asked for at most this often */
#define LOOKUPS_PER_ROUND 16
#define ERRORS_BEFORE_RELIST 3
#define LIST_TRIES 3 /* listings in a row whose head went backwards before we give up */
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 30000
#define CAUSES_MAX 32
#define INV_VMS_MAX 1000000 /* instances kept at most (~130 MB): a bound against a runaway feed */
#define HEAD_CHECK_S 60     /* how often the feed's head is compared with our position */

struct inventory {
    char *in_cplane;
    int in_wait_ms, in_timeout_ms, in_cn_refresh_s;
    fetch_t *in_fetch; /* the follower's (the caller's during inventory_start) */

    pthread_rwlock_t in_lock; /* guards in_store and the counters below it */
    inv_store_t *in_store;
    unsigned long long in_seq, in_relists;
    double in_last_ok; /* monotonic seconds of the last successful poll */

    pthread_mutex_t in_mutex; /* guards in_stop, signals in_wake */
    pthread_cond_t in_wake;
    int in_stop; /* set under in_mutex, atomically: fetch reads it during a request */
    pthread_t in_thread;

    /* the follower's own (no lock) */
    int in_errors;                     /* consecutive failed polls */
    char in_failing[64];               /* the cause last logged, "" while all is well */
    const char *in_logged[CAUSES_MAX]; /* record-level causes already logged */
    double in_servers_read;            /* monotonic seconds of the last /servers listing */
    double in_head_read;               /* ... and of the last look at /changes/head */
};

/* ---- logging: once per cause ----------------------------------------- */

static void inv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
inv_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cmon-proxy: inventory: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A record skipped (a bad vm or server object): logged the first time its cause is seen. */
static void
log_skipped(inventory_t *inv, const char *why)
{
    for (size_t i = 0; i < CAUSES_MAX; i++) {
        if (inv->in_logged[i] == why)
            return;
        if (inv->in_logged[i] == NULL) {
            inv->in_logged[i] = why;
            inv_log("control plane sent %s: skipped (logged once)", why);
            return;
        }
    }
}

/* A request failed for `cause`: logged when the cause differs from the last one logged. */
static void
log_failing(inventory_t *inv, const char *cause, const char *detail)
{
    if (strcmp(inv->in_failing, cause) == 0)
        return;
    snprintf(inv->in_failing, sizeof(inv->in_failing), "%s", cause);
    inv_log("%s (%s); the inventory is kept as it is", detail, cause);
}

static void
log_recovered(inventory_t *inv)
{
    if (inv->in_failing[0] == '\0')
        return;
    inv_log("the control plane answers again");
    inv->in_failing[0] = '\0';
}

/* ---- requests --------------------------------------------------------- */

/*
 * GET path as JSON into *out. Returns the HTTP status (200 with *out set), or
 * -1 with cause and detail filled (no answer, not JSON, too big).
 */
static long
cp_get_json(inventory_t *inv, const char *path, size_t max_body, int extra_ms, json_t **out,
            char *cause, char *detail)
{
    char url[1024];
    struct fetch_req rq = {.rq_url = url,
                           .rq_max_body = max_body,
                           .rq_timeout_s = (inv->in_timeout_ms + extra_ms) / 1000.0,
                           .rq_connect_timeout_s = inv->in_timeout_ms / 1000.0,
                           .rq_cancel = &inv->in_stop}; /* inventory_stop() ends a long poll */
    struct fetch_resp rs = {0};
    json_error_t jerr;
    long status = -1;

    *out = NULL;
    snprintf(url, sizeof(url), "%s%s", inv->in_cplane, path);
    if (fetch_perform(inv->in_fetch, &rq, &rs) != 0) {
        snprintf(cause, 64, "%s", rs.rs_too_big ? "answer too big" : "no answer");
        snprintf(detail, 600, "%s", rs.rs_error);
    } else if (rs.rs_status != 200) {
        status = rs.rs_status;
    } else if ((*out = json_loadb(rs.rs_body, rs.rs_len, 0, &jerr)) == NULL) {
        snprintf(cause, 64, "answer not JSON");
        snprintf(detail, 600, "GET %.300s: line %d: %.200s", url, jerr.line, jerr.text);
    } else {
        status = 200;
    }
    fetch_resp_release(&rs);
    return status;
}

/* cp_get_json() expecting 200 and an object holding `member` of `type`; -1 else. */
static json_t *
cp_get_member(inventory_t *inv, const char *path, size_t max_body, int extra_ms, const char *member,
              json_type type, json_t **root, char *cause, char *detail)
{
    long status = cp_get_json(inv, path, max_body, extra_ms, root, cause, detail);
    json_t *m = status == 200 ? json_object_get(*root, member) : NULL;

    if (status == 200 && (m == NULL || json_typeof(m) != type)) {
        snprintf(cause, 64, "answer of the wrong shape");
        snprintf(detail, 600, "GET %.300s%.100s: no %s of the right type", inv->in_cplane, path,
                 member);
    } else if (status > 0 && status != 200) {
        snprintf(cause, 64, "status %ld", status);
        snprintf(detail, 600, "GET %.300s%.100s: HTTP %ld", inv->in_cplane, path, status);
    }
    if (m == NULL || json_typeof(m) != type) {
        json_decref(*root);
        *root = NULL;
        return NULL;
    }
    return m;
}

/* ---- listing ------------------------------------------------------------ */

struct failure {
    char f_cause[64];
    char f_detail[600];
};

static int
read_head(inventory_t *inv, unsigned long long *seq, struct failure *f)
{
    json_t *root;
    json_t *s = cp_get_member(inv, "/changes/head", SMALL_BODY_MAX, 0, "seq", JSON_INTEGER, &root,
                              f->f_cause, f->f_detail);
    if (s == NULL)
        return -1;
    int bad = json_integer_value(s) < 0;
    *seq = (unsigned long long)json_integer_value(s);
    json_decref(root);
    if (bad) {
        snprintf(f->f_cause, 64, "answer of the wrong shape");
        snprintf(f->f_detail, 600, "/changes/head: a negative seq");
    }
    return bad ? -1 : 0;
}

/* Upserts a page's instances; *last gets the last valid uuid of the page. */
static int
apply_page(inventory_t *inv, inv_store_t *st, const json_t *vms, uint8_t last[16], int *have_last)
{
    size_t i;
    const json_t *vm;
    json_array_foreach(vms, i, vm)
    {
        inv_vmrec_t rec;
        const char *why;
        if (inv_parse_vm(vm, &rec, &why) != 0) {
            log_skipped(inv, why);
            continue;
        }
        memcpy(last, rec.vr_uuid, 16);
        *have_last = 1;
        if (inv_store_upsert(st, &rec) != 0)
            return -1;
    }
    return 0;
}

/* The uuid of the page's first instance, -1 when it has none that parses. */
static int
page_first_uuid(const json_t *vms, uint8_t out[16])
{
    const json_t *vm = json_array_get(vms, 0);
    return inv_uuid_parse(json_string_value(json_object_get(vm, "uuid")), out);
}

/* Where a listing is (list_vms). */
struct paging {
    size_t pg_offset; /* asked for next */
    size_t pg_step;   /* how far the last page moved us (stepped back over by a gap) */
    size_t pg_pages, pg_max_pages;
    uint8_t pg_last[16]; /* the last uuid seen */
    int pg_have_last;
};

/* After a page of n instances (total as the control plane says): 1 when the listing is
 * complete, 0 to ask for pg_offset next. Pages overlap by up to PAGE_OVERLAP (half a
 * page at most, so a control plane giving smaller pages than asked still moves on). */
static int
paging_next(struct paging *pg, size_t n, json_int_t total)
{
    size_t overlap = n / 2 < PAGE_OVERLAP ? n / 2 : PAGE_OVERLAP;
    if (n == 0 || (n < PAGE_LIMIT && (total < 0 || pg->pg_offset + n >= (size_t)total)))
        return 1;
    pg->pg_step = n - overlap;
    pg->pg_offset += pg->pg_step;
    if (total > 0 && (size_t)total / pg->pg_step * 2 + 100 > pg->pg_max_pages)
        pg->pg_max_pages = (size_t)total / pg->pg_step * 2 + 100;
    return 0;
}

/* A page that starts past the last uuid seen: instances before it went away and the rest
 * shifted left beyond the overlap; one may have fallen between the pages. */
static int
paging_gap(const struct paging *pg, const json_t *vms)
{
    uint8_t first[16];
    return pg->pg_have_last && json_array_size(vms) > 0 && page_first_uuid(vms, first) == 0 &&
           memcmp(first, pg->pg_last, 16) > 0;
}

static int
fail(struct failure *f, const char *cause, const char *detail)
{
    snprintf(f->f_cause, sizeof(f->f_cause), "%s", cause);
    snprintf(f->f_detail, sizeof(f->f_detail), "%s", detail);
    return -1;
}

/*
 * Every running instance, page by page. Pages are by offset in uuid order, so
 * an instance destroyed meanwhile before our offset shifts the rest left and
 * one could fall between two pages: each page starts up to PAGE_OVERLAP
 * instances before the previous one's end, and must start at or before the
 * last uuid already seen; when it starts after it (more instances went away
 * than the overlap covers) we step back a page. Instances added meanwhile
 * only shift the rest right (read twice: upserts are idempotent); the feed
 * brings the changes themselves. The end is a short page that reaches the
 * total. A listing that does not end, or holds more than INV_VMS_MAX
 * instances, is given up.
 */
static int
list_vms(inventory_t *inv, inv_store_t *st, struct failure *f)
{
    struct paging pg = {.pg_max_pages = 100};

    for (;;) {
        char path[128];
        json_t *root;
        snprintf(path, sizeof(path), "/vms?state=running&limit=%d&offset=%zu", PAGE_LIMIT,
                 pg.pg_offset);
        json_t *vms = cp_get_member(inv, path, PAGE_BODY_MAX, 0, "vms", JSON_ARRAY, &root,
                                    f->f_cause, f->f_detail);
        if (vms == NULL)
            return -1;
        json_t *tv = json_object_get(root, "total");
        json_int_t total = json_is_integer(tv) ? json_integer_value(tv) : -1;
        size_t n = json_array_size(vms);
        int gap = paging_gap(&pg, vms);
        int rc = gap ? 0 : apply_page(inv, st, vms, pg.pg_last, &pg.pg_have_last);
        json_decref(root);
        if (rc != 0)
            return fail(f, "out of memory", "listing instances");
        if (inv_store_live(st) > INV_VMS_MAX)
            return fail(f, "too many instances", "/vms: more instances than the proxy keeps");
        if (++pg.pg_pages > pg.pg_max_pages)
            return fail(f, "listing does not end", "/vms: still paging after many pages");
        if (gap)
            pg.pg_offset = pg.pg_offset > pg.pg_step ? pg.pg_offset - pg.pg_step : 0;
        else if (paging_next(&pg, n, total))
            return 0;
    }
}

/* The compute nodes of /servers, parsed (no lock held): *recs malloc'd, *n of them. */
static int
read_servers(inventory_t *inv, inv_srvrec_t **recs, size_t *n, struct failure *f)
{
    json_t *root;
    json_t *servers = cp_get_member(inv, "/servers", SERVERS_BODY_MAX, 0, "servers", JSON_ARRAY,
                                    &root, f->f_cause, f->f_detail);
    *recs = NULL;
    *n = 0;
    if (servers == NULL)
        return -1;
    *recs = calloc(json_array_size(servers) + 1, sizeof(**recs));
    if (*recs == NULL) {
        json_decref(root);
        snprintf(f->f_cause, 64, "out of memory");
        snprintf(f->f_detail, 600, "listing compute nodes");
        return -1;
    }
    size_t i;
    json_t *s;
    json_array_foreach(servers, i, s)
    {
        const char *why;
        if (inv_parse_server(s, &(*recs)[*n], &why) == 0)
            (*n)++;
        else
            log_skipped(inv, why);
    }
    json_decref(root);
    return 0;
}

/* The listed nodes replace those st knew (takes the records' strings, frees recs). */
static int
apply_servers(inv_store_t *st, inv_srvrec_t *recs, size_t n)
{
    int rc = 0;
    inv_store_servers_forget(st);
    for (size_t i = 0; i < n; i++)
        if (inv_store_server_set(st, &recs[i]) != 0)
            rc = -1;
    free(recs);
    return rc;
}

/* Every compute node of /servers into st (those absent are forgotten). */
static int
list_servers(inventory_t *inv, inv_store_t *st, struct failure *f)
{
    inv_srvrec_t *recs;
    size_t n;
    if (read_servers(inv, &recs, &n, f) != 0)
        return -1;
    if (apply_servers(st, recs, n) != 0) {
        snprintf(f->f_cause, 64, "out of memory");
        snprintf(f->f_detail, 600, "listing compute nodes");
        return -1;
    }
    return 0;
}

/* A complete listing into a new store: the feed's head, the instances, the
 * nodes, then the head once more. A head that went backwards meanwhile (the
 * control plane restarted while we listed, or one answer was not its head)
 * would leave our position ahead of the feed: its next changes, numbered from
 * where it went back to, would go unseen until check_head(). So the listing
 * is done again, up to LIST_TRIES times in all. */
static inv_store_t *
list_all(inventory_t *inv, unsigned long long *head, struct failure *f)
{
    for (int tries = 0; tries < LIST_TRIES; tries++) {
        inv_store_t *st = inv_store_new();
        unsigned long long after;
        if (st == NULL) {
            snprintf(f->f_cause, 64, "out of memory");
            snprintf(f->f_detail, 600, "a new inventory");
            return NULL;
        }
        if (read_head(inv, head, f) != 0 || list_vms(inv, st, f) != 0 ||
            list_servers(inv, st, f) != 0 || read_head(inv, &after, f) != 0) {
            inv_store_free(st);
            return NULL;
        }
        if (after >= *head)
            return st;
        inv_store_free(st);
        snprintf(f->f_cause, 64, "feed went backwards");
        snprintf(f->f_detail, 600, "/changes/head: %llu after %llu, while listing", after, *head);
    }
    return NULL;
}

/* Returns the heap's free memory to the system after a big parse: jansson's objects of a
 * listing's pages or of a large batch of changes would otherwise stay in the RSS. */
static void
give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Puts a fresh listing in place of the old one. */
static void
swap_store(inventory_t *inv, inv_store_t *st, unsigned long long head, int relist)
{
    pthread_rwlock_wrlock(&inv->in_lock);
    inv_store_t *old = inv->in_store;
    inv->in_store = st;
    inv->in_seq = head;
    inv->in_relists += relist != 0;
    inv->in_last_ok = cmon_monotime_s();
    pthread_rwlock_unlock(&inv->in_lock);
    inv_store_free(old);
    give_back_memory();
    inv->in_servers_read = cmon_monotime_s();
}

/* ---- the follower --------------------------------------------------------- */

/* Waits ms, or less when stopped. Returns non-zero when stopped. */
static int
nap(inventory_t *inv, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until); /* in_wake waits on this clock */
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&inv->in_mutex);
    while (!inv->in_stop && pthread_cond_timedwait(&inv->in_wake, &inv->in_mutex, &until) == 0)
        ;
    int stop = inv->in_stop;
    pthread_mutex_unlock(&inv->in_mutex);
    return stop;
}

static int
stopping(inventory_t *inv)
{
    pthread_mutex_lock(&inv->in_mutex);
    int stop = inv->in_stop;
    pthread_mutex_unlock(&inv->in_mutex);
    return stop;
}

static int
relist(inventory_t *inv, struct failure *f)
{
    unsigned long long head;
    inv_store_t *st = list_all(inv, &head, f);
    if (st == NULL)
        return -1;
    swap_store(inv, st, head, 1);
    return 0;
}

/* A chunk of parsed changes, applied under the write lock. */
struct chunk {
    inv_vmrec_t ch_recs[APPLY_CHUNK];
    int ch_destroy[APPLY_CHUNK]; /* 1: destroy ch_recs[i].vr_uuid, 0: upsert ch_recs[i] */
    size_t ch_n;
};

static void
chunk_apply(inventory_t *inv, struct chunk *c, unsigned long long seq)
{
    pthread_rwlock_wrlock(&inv->in_lock);
    for (size_t i = 0; i < c->ch_n; i++) {
        if (c->ch_destroy[i])
            inv_store_remove(inv->in_store, c->ch_recs[i].vr_uuid);
        else if (inv_store_live(inv->in_store) >= INV_VMS_MAX &&
                 !inv_store_has(inv->in_store, c->ch_recs[i].vr_uuid)) {
            inv_vmrec_clear(&c->ch_recs[i]);
            log_skipped(inv, "a new instance past the most the proxy keeps");
        } else if (inv_store_upsert(inv->in_store, &c->ch_recs[i]) != 0)
            log_skipped(inv, "a change that did not fit in memory");
    }
    inv->in_seq = seq;
    pthread_rwlock_unlock(&inv->in_lock);
    c->ch_n = 0;
}

/* One change into the chunk; -1 (logged) when it cannot be used. */
static int
change_parse(inventory_t *inv, const json_t *ch, struct chunk *c)
{
    const char *type = json_string_value(json_object_get(ch, "type"));
    const char *why = NULL;
    inv_vmrec_t *r = &c->ch_recs[c->ch_n];

    if (type != NULL && strcmp(type, "destroy") == 0) {
        memset(r, 0, sizeof(*r));
        if (inv_uuid_parse(json_string_value(json_object_get(ch, "uuid")), r->vr_uuid) != 0)
            why = "a destroy without a valid uuid";
        c->ch_destroy[c->ch_n] = 1;
    } else if (type != NULL && strcmp(type, "upsert") == 0) {
        inv_parse_vm(json_object_get(ch, "vm"), r, &why);
        c->ch_destroy[c->ch_n] = 0;
    } else {
        why = "a change of no known type";
    }
    if (why != NULL) {
        log_skipped(inv, why);
        return -1;
    }
    c->ch_n++;
    return 0;
}

/* Applies the changes of one answer of the feed; -1 on ENOMEM. */
static int
apply_changes(inventory_t *inv, const json_t *changes, unsigned long long seq)
{
    struct chunk *c = calloc(1, sizeof(*c));
    size_t i;
    const json_t *ch;

    if (c == NULL)
        return -1;
    json_array_foreach(changes, i, ch)
    {
        change_parse(inv, ch, c);
        if (c->ch_n == APPLY_CHUNK)
            chunk_apply(inv, c, seq);
    }
    chunk_apply(inv, c, seq);
    free(c);
    if (json_array_size(changes) >= 1000)
        give_back_memory();
    return 0;
}

enum poll_result { POLL_OK, POLL_GONE, POLL_FAILED };

/* Changes in the last answer of the feed (the follower's; see follow_once). */
struct poll_info {
    size_t pi_changes;
    double pi_seconds;
};

/* One long poll of the feed and its changes applied. */
static enum poll_result
poll_changes(inventory_t *inv, struct failure *f, struct poll_info *pi)
{
    char path[128];
    json_t *root;
    unsigned long long since;

    pthread_rwlock_rdlock(&inv->in_lock);
    since = inv->in_seq;
    pthread_rwlock_unlock(&inv->in_lock);
    snprintf(path, sizeof(path), "/changes?since=%llu&wait_ms=%d", since, inv->in_wait_ms);
    double t0 = cmon_monotime_s();
    json_t *changes = cp_get_member(inv, path, CHANGES_BODY_MAX, inv->in_wait_ms, "changes",
                                    JSON_ARRAY, &root, f->f_cause, f->f_detail);
    if (changes == NULL)
        /* 410: we are behind what the feed keeps; too big: a backlog better listed */
        return strcmp(f->f_cause, "status 410") == 0 || strcmp(f->f_cause, "answer too big") == 0
                   ? POLL_GONE
                   : POLL_FAILED;
    pi->pi_changes = json_array_size(changes);
    pi->pi_seconds = cmon_monotime_s() - t0;
    json_t *seqv = json_object_get(root, "seq");
    json_int_t seq = json_integer_value(seqv);
    enum poll_result res = POLL_OK;
    if (!json_is_integer(seqv) || seq < 0) {
        snprintf(f->f_cause, 64, "answer of the wrong shape");
        snprintf(f->f_detail, 600, "/changes: no seq");
        res = POLL_FAILED;
    } else if ((unsigned long long)seq < since) {
        snprintf(f->f_cause, 64, "feed went backwards");
        snprintf(f->f_detail, 600, "/changes: seq %lld after %llu", (long long)seq, since);
        res = POLL_GONE; /* the control plane restarted: what we hold may be stale */
    } else if (apply_changes(inv, changes, (unsigned long long)seq) != 0) {
        snprintf(f->f_cause, 64, "out of memory");
        snprintf(f->f_detail, 600, "applying changes");
        res = POLL_FAILED;
    }
    json_decref(root);
    return res;
}

/* Re-reads /servers into the live store, every io_cn_refresh_s. */
static void
refresh_servers(inventory_t *inv)
{
    struct failure f;
    inv_srvrec_t *recs;
    size_t n;

    inv->in_servers_read = cmon_monotime_s(); /* failed or not: the next try in a period */
    if (read_servers(inv, &recs, &n, &f) != 0) {
        log_failing(inv, f.f_cause, f.f_detail);
        return;
    }
    pthread_rwlock_wrlock(&inv->in_lock);
    int rc = apply_servers(inv->in_store, recs, n);
    pthread_rwlock_unlock(&inv->in_lock);
    if (rc != 0)
        log_skipped(inv, "a compute node that did not fit in memory");
}

/* Asks for compute nodes that instances name and nobody listed. */
static void
lookup_servers(inventory_t *inv)
{
    uint8_t want[LOOKUPS_PER_ROUND][16];
    pthread_rwlock_wrlock(&inv->in_lock);
    size_t n = inv_store_servers_unknown(inv->in_store, cmon_monotime_s(), LOOKUP_INTERVAL_S, want,
                                         LOOKUPS_PER_ROUND);
    pthread_rwlock_unlock(&inv->in_lock);
    for (size_t i = 0; i < n && !stopping(inv); i++) {
        char path[64], text[INV_UUID_LEN];
        struct failure f;
        json_t *root;
        inv_uuid_format(want[i], text);
        snprintf(path, sizeof(path), "/servers/%.*s", INV_UUID_LEN, text);
        long status = cp_get_json(inv, path, SMALL_BODY_MAX, 0, &root, f.f_cause, f.f_detail);
        inv_srvrec_t rec;
        const char *why;
        if (status == 200 && inv_parse_server(root, &rec, &why) == 0) {
            pthread_rwlock_wrlock(&inv->in_lock);
            inv_store_server_set(inv->in_store, &rec);
            pthread_rwlock_unlock(&inv->in_lock);
        } else if (status == 200) {
            log_skipped(inv, why);
        }
        json_decref(root);
    }
}

static int
backoff_ms(int errors)
{
    long ms = BACKOFF_MIN_MS;
    for (int i = 1; i < errors && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? (int)ms : BACKOFF_MAX_MS;
}

/* One round of the follower: poll, and list again when the feed says so. */
static void
follow_once(inventory_t *inv)
{
    struct failure f = {{0}, {0}};
    struct poll_info pi = {0, 0};
    enum poll_result r = poll_changes(inv, &f, &pi);

    if (r == POLL_GONE || (r == POLL_FAILED && inv->in_errors + 1 >= ERRORS_BEFORE_RELIST))
        r = relist(inv, &f) == 0 ? POLL_OK : POLL_FAILED;
    if (r == POLL_OK) {
        inv->in_errors = 0;
        pthread_rwlock_wrlock(&inv->in_lock);
        inv->in_last_ok = cmon_monotime_s();
        int bloated = inv_store_bloated(inv->in_store);
        pthread_rwlock_unlock(&inv->in_lock);
        log_recovered(inv);
        if (bloated && relist(inv, &f) != 0)
            log_failing(inv, f.f_cause, f.f_detail);
        /* a control plane that answers "nothing" at once, not holding the long poll,
         * must not turn us into a busy loop */
        if (pi.pi_changes == 0 && pi.pi_seconds * 1000 < inv->in_wait_ms / 2)
            nap(inv, inv->in_wait_ms / 2);
        return;
    }
    if (stopping(inv))
        return; /* the poll was cancelled: nothing went wrong */
    inv->in_errors++;
    log_failing(inv, f.f_cause, f.f_detail);
    nap(inv, backoff_ms(inv->in_errors));
}

/*
 * A control plane that restarted numbers its feed from the start again: a
 * long poll since our (larger) position answers "nothing new" for ever. So
 * now and then the head is read: behind our position, we list again.
 */
static void
check_head(inventory_t *inv)
{
    struct failure f;
    unsigned long long head, ours;

    inv->in_head_read = cmon_monotime_s();
    if (read_head(inv, &head, &f) != 0)
        return; /* the polls say what is wrong */
    pthread_rwlock_rdlock(&inv->in_lock);
    ours = inv->in_seq;
    pthread_rwlock_unlock(&inv->in_lock);
    if (head >= ours)
        return;
    inv_log("the feed's head %llu is behind our %llu (the control plane restarted?): "
            "listing again",
            head, ours);
    if (relist(inv, &f) != 0)
        log_failing(inv, f.f_cause, f.f_detail);
}

static void *
follower(void *arg)
{
    inventory_t *inv = arg;
    double head_every = inv->in_cn_refresh_s < HEAD_CHECK_S ? inv->in_cn_refresh_s : HEAD_CHECK_S;

    inv->in_head_read = cmon_monotime_s();
    while (!stopping(inv)) {
        lookup_servers(inv);
        if (cmon_monotime_s() - inv->in_servers_read >= inv->in_cn_refresh_s)
            refresh_servers(inv);
        if (cmon_monotime_s() - inv->in_head_read >= head_every)
            check_head(inv);
        follow_once(inv);
    }
    return NULL;
}

/* ---- the contract ------------------------------------------------------- */

static void
inventory_free(inventory_t *inv)
{
    inv_store_free(inv->in_store);
    fetch_free(inv->in_fetch);
    pthread_rwlock_destroy(&inv->in_lock);
    pthread_mutex_destroy(&inv->in_mutex);
    pthread_cond_destroy(&inv->in_wake);
    free(inv->in_cplane);
    free(inv);
}

static inventory_t *
inventory_new(const inventory_opts_t *o)
{
    inventory_t *inv = calloc(1, sizeof(*inv));
    if (inv == NULL)
        return NULL;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* a writer holds the lock for one chunk of changes: let it in before new readers */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&inv->in_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&inv->in_mutex, NULL);
    pthread_condattr_t cattr;
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC); /* naps unmoved by clock steps */
    pthread_cond_init(&inv->in_wake, &cattr);
    pthread_condattr_destroy(&cattr);
    inv->in_cplane = strdup(o->io_cplane);
    size_t len = inv->in_cplane ? strlen(inv->in_cplane) : 0;
    while (len > 0 && inv->in_cplane[len - 1] == '/')
        inv->in_cplane[--len] = '\0';
    inv->in_wait_ms = o->io_wait_ms > 0 ? (o->io_wait_ms < 30000 ? o->io_wait_ms : 30000) : 5000;
    inv->in_timeout_ms = o->io_timeout_ms > 0 ? o->io_timeout_ms : 10000;
    inv->in_cn_refresh_s = o->io_cn_refresh_s > 0 ? o->io_cn_refresh_s : 900;
    inv->in_fetch = fetch_new();
    if (inv->in_cplane == NULL || inv->in_fetch == NULL) {
        inventory_free(inv);
        return NULL;
    }
    return inv;
}

inventory_t *
inventory_start(const inventory_opts_t *opts, char *err, size_t errlen)
{
    struct failure f;
    unsigned long long head;

    if (opts == NULL || opts->io_cplane == NULL || opts->io_cplane[0] == '\0') {
        snprintf(err, errlen, "inventory: no control plane URL");
        return NULL;
    }
    inventory_t *inv = inventory_new(opts);
    if (inv == NULL) {
        snprintf(err, errlen, "inventory: out of memory");
        return NULL;
    }
    inv_store_t *st = list_all(inv, &head, &f);
    if (st == NULL) {
        snprintf(err, errlen, "cannot list the inventory from %s: %s (%s)", opts->io_cplane,
                 f.f_detail, f.f_cause);
        inventory_free(inv);
        return NULL;
    }
    swap_store(inv, st, head, 0);
    if (pthread_create(&inv->in_thread, NULL, follower, inv) != 0) {
        snprintf(err, errlen, "inventory: cannot start its thread: %s", strerror(errno));
        inventory_free(inv);
        return NULL;
    }
    return inv;
}

void
inventory_stop(inventory_t *inv)
{
    if (inv == NULL)
        return;
    pthread_mutex_lock(&inv->in_mutex);
    __atomic_store_n(&inv->in_stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&inv->in_wake);
    pthread_mutex_unlock(&inv->in_mutex);
    pthread_join(inv->in_thread, NULL);
    inventory_free(inv);
}

int
inventory_route(inventory_t *inv, const char *uuid, const char *account_uuid, int operator,
                inv_route_t * out)
{
    uint8_t u[16], a[16];
    if (inv == NULL || out == NULL || inv_uuid_parse(uuid, u) != 0 ||
        inv_uuid_parse(account_uuid, a) != 0)
        return INV_ROUTE_NONE;
    pthread_rwlock_rdlock(&inv->in_lock);
    int rc = inv_store_route(inv->in_store, u, a, operator, out);
    pthread_rwlock_unlock(&inv->in_lock);
    return rc;
}

char *
inventory_discover(inventory_t *inv, const char *account_uuid, const inv_groups_t *g, size_t *len)
{
    uint8_t a[16];
    sbuf_t sb = SBUF_INIT;

    if (inv == NULL) {
        errno = EINVAL;
        return NULL;
    }
    if (inv_uuid_parse(account_uuid, a) != 0)
        memset(a, 0, sizeof(a)); /* no account of ours: an empty list */
    pthread_rwlock_rdlock(&inv->in_lock);
    inv_store_render(inv->in_store, a, g, &sb);
    pthread_rwlock_unlock(&inv->in_lock);
    if (sbuf_failed(&sb)) {
        sbuf_release(&sb);
        errno = ENOMEM;
        return NULL;
    }
    return sbuf_detach(&sb, len);
}

char *
inventory_discover_cns(inventory_t *inv, size_t *len)
{
    sbuf_t sb = SBUF_INIT;
    if (inv == NULL) {
        errno = EINVAL;
        return NULL;
    }
    pthread_rwlock_rdlock(&inv->in_lock);
    inv_store_render_cns(inv->in_store, &sb);
    pthread_rwlock_unlock(&inv->in_lock);
    if (sbuf_failed(&sb)) {
        sbuf_release(&sb);
        errno = ENOMEM;
        return NULL;
    }
    return sbuf_detach(&sb, len);
}

void
inventory_stats(inventory_t *inv, inv_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (inv == NULL)
        return;
    pthread_rwlock_rdlock(&inv->in_lock);
    inv_store_counts(inv->in_store, &out->is_vms, &out->is_running, &out->is_servers);
    out->is_seq = inv->in_seq;
    out->is_relists = inv->in_relists;
    out->is_last_change_age_s = cmon_monotime_s() - inv->in_last_ok;
    pthread_rwlock_unlock(&inv->in_lock);
}
