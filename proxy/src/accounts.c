/* accounts - the account cache (accounts.h): a small LRU list under a mutex. */
#include "accounts.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "monotime.h"

#define ACCOUNTS_BODY_MAX ((size_t)4 << 20)

/* A record shared by the cache and the requests using it: freed when the
 * last reference goes (the cache's own counts as one while it is listed). */
typedef struct accounts_ref entry_t;
struct accounts_ref {
    entry_t *e_prev, *e_next; /* LRU list, most recent first */
    char e_login[AUTH_LOGIN_MAX];
    double e_expires;
    unsigned e_refs;
    auth_account_t *e_account;
};

struct accounts {
    pthread_mutex_t c_lock;
    char *c_cplane;
    size_t c_capacity, c_count;
    double c_ttl_s;
    int c_timeout_ms;
    entry_t *c_head, *c_tail;
    unsigned long c_fetches;
};

accounts_t *
accounts_new(const accounts_opts_t *o)
{
    if (o == NULL || o->ao_cplane == NULL || o->ao_capacity == 0 || !(o->ao_ttl_s >= 0)) {
        errno = EINVAL;
        return NULL;
    }
    accounts_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->c_cplane = strdup(o->ao_cplane)) == NULL) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->c_lock, NULL);
    c->c_capacity = o->ao_capacity;
    c->c_ttl_s = o->ao_ttl_s;
    c->c_timeout_ms = o->ao_timeout_ms > 0 ? o->ao_timeout_ms : 5000;
    return c;
}

static void
entry_unref(entry_t *e)
{
    if (--e->e_refs == 0) {
        auth_account_free(e->e_account);
        free(e);
    }
}

static void
accounts_unlink(accounts_t *c, entry_t *e)
{
    if (e->e_prev != NULL)
        e->e_prev->e_next = e->e_next;
    else
        c->c_head = e->e_next;
    if (e->e_next != NULL)
        e->e_next->e_prev = e->e_prev;
    else
        c->c_tail = e->e_prev;
    e->e_prev = e->e_next = NULL;
    c->c_count--;
}

static void
accounts_push_front(accounts_t *c, entry_t *e)
{
    e->e_prev = NULL;
    e->e_next = c->c_head;
    if (c->c_head != NULL)
        c->c_head->e_prev = e;
    c->c_head = e;
    if (c->c_tail == NULL)
        c->c_tail = e;
    c->c_count++;
}

void
accounts_free(accounts_t *c)
{
    if (c == NULL)
        return;
    while (c->c_head != NULL) {
        entry_t *e = c->c_head;
        accounts_unlink(c, e);
        entry_unref(e);
    }
    pthread_mutex_destroy(&c->c_lock);
    free(c->c_cplane);
    free(c);
}

/* A live entry for login, moved to the front and referenced; NULL on a miss
 * (an expired entry is dropped). Lock held. */
static entry_t *
accounts_lookup(accounts_t *c, const char *login, double now)
{
    for (entry_t *e = c->c_head; e != NULL; e = e->e_next) {
        if (strcmp(e->e_login, login) != 0)
            continue;
        accounts_unlink(c, e);
        if (now >= e->e_expires) {
            entry_unref(e);
            return NULL;
        }
        accounts_push_front(c, e);
        e->e_refs++;
        return e;
    }
    return NULL;
}

/* Lists e (which holds the caller's reference), dropping an older entry of
 * the same login and the least recently used past capacity. Lock held. */
static void
accounts_insert(accounts_t *c, entry_t *e)
{
    for (entry_t *o = c->c_head; o != NULL; o = o->e_next)
        if (strcmp(o->e_login, e->e_login) == 0) {
            accounts_unlink(c, o);
            entry_unref(o);
            break;
        }
    e->e_refs++; /* the cache's own */
    accounts_push_front(c, e);
    while (c->c_count > c->c_capacity) {
        entry_t *old = c->c_tail;
        accounts_unlink(c, old);
        entry_unref(old);
    }
}

/* Asks the control plane. The record, or NULL with *st and why. */
static auth_account_t *
accounts_fetch(accounts_t *c, const char *login, accounts_status_t *st, char *why, size_t whylen)
{
    char *esc = curl_easy_escape(NULL, login, 0);
    char url[1024];
    snprintf(url, sizeof(url), "%s/accounts/%s", c->c_cplane, esc != NULL ? esc : "");
    curl_free(esc);
    struct fetch_req rq = {
        .rq_url = url, .rq_timeout_s = c->c_timeout_ms / 1000.0, .rq_max_body = ACCOUNTS_BODY_MAX};
    struct fetch_resp rs = {0};
    auth_account_t *a = NULL;
    *st = ACCOUNTS_UNAVAILABLE;
    if (fetch_once(&rq, &rs) != 0)
        snprintf(why, whylen, "%s", rs.rs_error);
    else if (rs.rs_status == 404) {
        *st = ACCOUNTS_UNKNOWN;
        snprintf(why, whylen, "no account %s", login);
    } else if (rs.rs_status != 200)
        snprintf(why, whylen, "control plane answered %ld for account %s", rs.rs_status, login);
    else if ((a = auth_account_parse(rs.rs_body, rs.rs_len, why, whylen)) != NULL &&
             strcmp(auth_account_login(a), login) != 0) {
        snprintf(why, whylen, "control plane answered login %s for %s", auth_account_login(a),
                 login);
        auth_account_free(a);
        a = NULL;
    }
    fetch_resp_release(&rs);
    return a;
}

accounts_status_t
accounts_get(accounts_t *c, const char *login, accounts_ref_t **out, char *why, size_t whylen)
{
    *out = NULL;
    if (strlen(login) >= AUTH_LOGIN_MAX) {
        snprintf(why, whylen, "login too long");
        return ACCOUNTS_UNKNOWN;
    }
    pthread_mutex_lock(&c->c_lock);
    entry_t *e = accounts_lookup(c, login, cmon_monotime_s());
    if (e == NULL)
        c->c_fetches++;
    pthread_mutex_unlock(&c->c_lock);
    if (e != NULL) {
        *out = e;
        return ACCOUNTS_FOUND;
    }
    accounts_status_t st;
    auth_account_t *a = accounts_fetch(c, login, &st, why, whylen);
    if (a == NULL)
        return st;
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        auth_account_free(a);
        snprintf(why, whylen, "out of memory");
        return ACCOUNTS_UNAVAILABLE;
    }
    snprintf(e->e_login, sizeof(e->e_login), "%s", login);
    e->e_account = a;
    e->e_refs = 1; /* the caller's */
    pthread_mutex_lock(&c->c_lock);
    e->e_expires = cmon_monotime_s() + c->c_ttl_s;
    accounts_insert(c, e);
    pthread_mutex_unlock(&c->c_lock);
    *out = e;
    return ACCOUNTS_FOUND;
}

int
accounts_cached(accounts_t *c, const char *login, accounts_ref_t **ref)
{
    pthread_mutex_lock(&c->c_lock);
    *ref = strlen(login) < AUTH_LOGIN_MAX ? accounts_lookup(c, login, cmon_monotime_s()) : NULL;
    pthread_mutex_unlock(&c->c_lock);
    return *ref != NULL;
}

const auth_account_t *
accounts_ref_account(const accounts_ref_t *ref)
{
    return ref->e_account;
}

void
accounts_put(accounts_t *c, accounts_ref_t *ref)
{
    if (ref == NULL)
        return;
    pthread_mutex_lock(&c->c_lock);
    entry_unref(ref);
    pthread_mutex_unlock(&c->c_lock);
}

unsigned long
accounts_fetches(accounts_t *c)
{
    pthread_mutex_lock(&c->c_lock);
    unsigned long n = c->c_fetches;
    pthread_mutex_unlock(&c->c_lock);
    return n;
}
