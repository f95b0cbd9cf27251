/* proxy - the HTTPS server of cmon-proxy (proxy.h): TLS and connections,
 * then one request from the Host rule to the answer. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "accesslog.h"
#include "accounts.h"
#include "auth.h"
#include "certcache.h"
#include "host.h"
#include "httpd.h"
#include "listen.h"
#include "lookup.h"
#include "monotime.h"
#include "negotiate.h"
#include "ratelog.h"
#include "reply.h"
#include "throttle.h"
#include "upstream.h"

#define PROXY_SNI_MAX 256
#define PROXY_THROTTLE_ACCOUNTS 100000
#define PROXY_CERT_SLOTS 4096  /* authentications kept by certificate (certcache.h) */
#define PROXY_LOOKUP_THREADS 2 /* account look-ups at once (lookup.h) */
#define PROXY_DISCOVER_HELD ((size_t)16 << 20) /* discovery bytes held at once (reply.h) */
#define PROXY_LOG_INTERVAL_S 10 /* a cause of failure logged at most once in that (ratelog.h) */
#define PROXY_CONNECTION_MEMORY (16 * 1024) /* libmicrohttpd's pool a connection: request and headers */
#define PROXY_IDLE_TIMEOUT_S 60     /* a keep-alive connection with nothing to do */
#define PROXY_HANDSHAKE_TIMEOUT_S 10 /* a new one, until its first request's headers are in */
#define PROXY_AGENT_CONNS 64    /* connections open to one agent at once, all workers together */
#define PROXY_AGENT_IDLE 256    /* idle agent connections kept, all workers together */
#define PROXY_UNSUSPENDED_NS (2 * 1000 * 1000) /* a scrape waits so long for its agent
                                               * before its connection is suspended */

struct proxy {
    httpd_t *p_httpd; /* the workers (httpd.h) */
    unsigned p_port;
    char p_suffix[256];
    inventory_t *p_inv;
    accounts_t *p_accounts;
    certcache_t *p_certs; /* NULL when --account-ttl is 0: nothing kept */
    lookup_t *p_lookup;   /* account look-ups off the workers */
    throttle_t *p_throttle;
    unsigned p_nworkers;
    upstream_t **p_upstreams; /* one a worker, driven by it (httpd_side_t) */
    ratelog_t *p_log; /* failures logged per cause at most every PROXY_LOG_INTERVAL_S */
    reply_budget_t p_discover_held; /* discovery bodies built and not yet sent */
    int64_t p_unsuspended_ns;       /* po_unsuspended_ms */
    int p_access_fd;                /* po_access_fd: > 0, the access log's (accesslog.h) */
};

/* ---- connections: TLS set-up, and the authentication they keep ---------- */

typedef enum conn_auth { CONN_AUTH_NONE = 0, CONN_AUTH_OK, CONN_AUTH_FAILED } conn_auth_t;

/* What a TLS connection keeps across its requests (MHD's socket context). */
typedef struct conn {
    conn_auth_t c_auth;
    char c_account[AUTH_UUID_LEN + 1];
    char c_login[AUTH_LOGIN_MAX];
    int c_operator;
    int c_sni_read;
    char c_sni[PROXY_SNI_MAX]; /* "" when the client sent none */
    int c_served; /* a request came: the idle timeout, no longer the handshake deadline */
} conn_t;

static gnutls_session_t
conn_tls(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci != NULL ? (gnutls_session_t)ci->tls_session : NULL;
}

/*
 * A new connection, before its handshake: request a client certificate
 * (not require: the handshake finishes without one, and the answer is a
 * 401) and send no CA names in the CertificateRequest. An empty list means
 * "any issuer"; a list naming our CAs would make Go's TLS client (Prometheus)
 * withhold its certificate, whose issuer is the user's own key.
 */
static void
proxy_notify_conn(void *cls, struct MHD_Connection *c, void **socket_ctx,
                  enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_ctx);
        *socket_ctx = NULL;
        return;
    }
    *socket_ctx = calloc(1, sizeof(conn_t));
    /* Until its first request a connection has PROXY_HANDSHAKE_TIMEOUT_S of
     * silence (the handshake, then the request's headers), not the idle
     * timeout: a client stalled in its handshake costs a worker a recv() at
     * each of its turns (httpd.h). */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)PROXY_HANDSHAKE_TIMEOUT_S);
    gnutls_session_t s = conn_tls(c);
    if (s != NULL) {
        httpd_tls_transport(c, s);
        gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
        gnutls_certificate_send_x509_rdn_sequence(s, 1);
    }
}

static conn_t *
conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* The first request on c: back to the idle timeout (normal timeouts cost
 * libmicrohttpd nothing a turn; per-connection ones are walked). */
static void
conn_served(struct MHD_Connection *c)
{
    conn_t *cx = conn_of(c);
    if (cx != NULL && !cx->c_served) {
        cx->c_served = 1;
        MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)PROXY_IDLE_TIMEOUT_S);
    }
}

static const char *
conn_sni(conn_t *cx, struct MHD_Connection *c)
{
    if (!cx->c_sni_read) {
        gnutls_session_t s = conn_tls(c);
        size_t len = sizeof(cx->c_sni) - 1;
        unsigned type;
        if (s == NULL || gnutls_server_name_get(s, cx->c_sni, &len, &type, 0) != 0 ||
            type != GNUTLS_NAME_DNS)
            len = 0;
        cx->c_sni[len] = '\0';
        cx->c_sni_read = 1;
    }
    return cx->c_sni;
}

/* ---- authentication ----------------------------------------------------- */

/* The peer certificate's DER (the first of its chain), or NULL. */
static const gnutls_datum_t *
conn_peer_cert(struct MHD_Connection *c)
{
    gnutls_session_t s = conn_tls(c);
    unsigned n = 0;
    const gnutls_datum_t *certs = s != NULL ? gnutls_certificate_get_peers(s, &n) : NULL;
    return n > 0 ? &certs[0] : NULL;
}

/* One line on stderr, "cmon-proxy: what: why" (one write, so lines of
 * several threads do not mix), unless a line of the same what was written
 * less than PROXY_LOG_INTERVAL_S ago: a flood of bad certificates or a dead
 * agent gives one line, then one every interval with the count left out. */
static void
proxy_log(proxy_t *p, const char *what, const char *why)
{
    unsigned long left_out = 0;
    if (!ratelog_admit(p->p_log, what, cmon_monotime_s(), &left_out))
        return;
    if (left_out == 0)
        fprintf(stderr, "cmon-proxy: %s: %s\n", what, why);
    else
        fprintf(stderr, "cmon-proxy: %s: %s (and %lu more not logged since the last)\n", what, why,
                left_out);
}

/* The connection speaks for who from now on. */
static void
conn_authenticated(conn_t *cx, const certcache_who_t *who)
{
    snprintf(cx->c_account, sizeof(cx->c_account), "%s", who->cw_account);
    snprintf(cx->c_login, sizeof(cx->c_login), "%s", who->cw_login);
    cx->c_operator = who->cw_operator;
    cx->c_auth = CONN_AUTH_OK;
}

/* ---- requests ----------------------------------------------------------- */

typedef enum req_state {
    REQ_NEW = 0,
    REQ_HEADERS,  /* headers read, being answered */
    REQ_LOOKUP,   /* suspended: its account is asked of the control plane (lookup.h) */
    REQ_LOOKEDUP, /* resumed with the look-up's result: answered from the start again */
    REQ_WAITING,  /* the agent is asked (upstream.h): suspended after PROXY_UNSUSPENDED_NS */
    REQ_ANSWERED, /* resumed with the agent's answer */
} req_state_t;

/* One request (MHD's per-request context). */
typedef struct req {
    proxy_t *r_proxy;
    struct MHD_Connection *r_conn;
    req_state_t r_state;
    int r_client_gzip;
    auth_cert_t *r_cert;           /* the client's certificate, parsed, while authenticating */
    accounts_status_t r_lookup_st; /* REQ_LOOKEDUP: what the look-up said */
    accounts_ref_t *r_lookup_ref;  /* its account, until used */
    char r_lookup_why[256];
    upstream_answer_t r_ans;
    int r_suspended;   /* REQ_WAITING: the connection is suspended (else polled each turn) */
    int64_t r_asked_ns; /* REQ_WAITING: when the agent was asked (monotonic) */
    int64_t r_answered_ns; /* when its answer came; 0: none */
    int64_t r_begun_ns;    /* when its headers were in (monotonic): the access log's REQUEST_S */
    char r_method[ACCESSLOG_FIELD_MAX + 2]; /* the access log's METHOD, HOST and PATH (one */
    char r_host[ACCESSLOG_FIELD_MAX + 2];   /* byte more than it writes, so that it says */
    char r_path[ACCESSLOG_FIELD_MAX + 2];   /* "..." when cut) */
    int r_orphan;      /* REQ_WAITING: libmicrohttpd ended the request; the answer frees it */
} req_t;

/* ---- authentication ----------------------------------------------------- */

#define PROXY_SUSPENDED 1 /* a status of proxy_authenticate(): the request waits */

/* lookup_done_fn: the account (or why not) arrives, the request starts again. */
static void
proxy_lookup_done(void *arg, accounts_status_t st, accounts_ref_t *ref, const char *why)
{
    req_t *r = arg;
    r->r_lookup_st = st;
    r->r_lookup_ref = ref;
    snprintf(r->r_lookup_why, sizeof(r->r_lookup_why), "%s", why);
    r->r_state = REQ_LOOKEDUP;
    httpd_resume(r->r_proxy->p_httpd, r->r_conn);
}

/* The account of login: from the cache, from the look-up the request was
 * suspended for, or PROXY_SUSPENDED while one is asked. 0 with *ref, 401
 * (no such account), 503 (unavailable), or PROXY_SUSPENDED. */
static unsigned
proxy_account(proxy_t *p, req_t *r, const char *login, accounts_ref_t **ref, char *why,
              size_t whylen)
{
    if (r->r_state == REQ_LOOKEDUP) {
        *ref = r->r_lookup_ref;
        r->r_lookup_ref = NULL;
        r->r_state = REQ_HEADERS;
        snprintf(why, whylen, "%s", r->r_lookup_why);
        return r->r_lookup_st == ACCOUNTS_FOUND     ? 0
               : r->r_lookup_st == ACCOUNTS_UNKNOWN ? 401
                                                    : 503;
    }
    if (accounts_cached(p->p_accounts, login, ref))
        return 0;
    r->r_state = REQ_LOOKUP;
    MHD_suspend_connection(r->r_conn);
    if (lookup_submit(p->p_lookup, login, proxy_lookup_done, r) != 0)
        proxy_lookup_done(r, ACCOUNTS_UNAVAILABLE, NULL, "cannot queue the look-up");
    return PROXY_SUSPENDED;
}

/* Verifies the parsed certificate against the account of its login. 0 (cx
 * filled, kept by certificate), 401 (why says why), 503 or PROXY_SUSPENDED. */
static unsigned
proxy_cert_account(proxy_t *p, req_t *r, const gnutls_datum_t *der, conn_t *cx, char *why,
                   size_t whylen)
{
    char login[AUTH_LOGIN_MAX];
    accounts_ref_t *ref = NULL;
    if (auth_cert_login(r->r_cert, login, sizeof(login)) != 0) {
        snprintf(why, whylen, "certificate without a usable subject CN");
        return 401;
    }
    unsigned rc = proxy_account(p, r, login, &ref, why, whylen);
    if (rc != 0)
        return rc;
    const auth_account_t *a = accounts_ref_account(ref);
    time_t now = time(NULL);
    if ((rc = auth_cert_verify(r->r_cert, a, now, why, whylen) == 0 ? 0 : 401) == 0) {
        certcache_who_t who = {.cw_operator = auth_account_operator(a)};
        snprintf(who.cw_account, sizeof(who.cw_account), "%s", auth_account_uuid(a));
        snprintf(who.cw_login, sizeof(who.cw_login), "%s", login);
        conn_authenticated(cx, &who);
        if (p->p_certs != NULL)
            certcache_put(p->p_certs, der->data, der->size, now, auth_cert_expiry(r->r_cert), &who);
    }
    accounts_put(p->p_accounts, ref);
    return rc;
}

/* Checks the connection's certificate against its account, once: 0
 * (authenticated), 401 (kept: the certificate will not change), 503 (the
 * control plane cannot be asked: not kept, asked again next time), or
 * PROXY_SUSPENDED (the account is being looked up). */
static unsigned
proxy_authenticate(proxy_t *p, req_t *r, conn_t *cx)
{
    const gnutls_datum_t *der = conn_peer_cert(r->r_conn);
    char why[512] = "not a certificate";
    certcache_who_t who;
    if (der == NULL)
        return 401; /* not kept: nothing to log, cheap to find again */
    if (p->p_certs != NULL && certcache_get(p->p_certs, der->data, der->size, time(NULL), &who)) {
        conn_authenticated(cx, &who);
        return 0;
    }
    if (r->r_cert == NULL)
        r->r_cert = auth_cert_parse(der->data, der->size);
    unsigned rc = r->r_cert != NULL ? proxy_cert_account(p, r, der, cx, why, sizeof(why)) : 401;
    if (rc == PROXY_SUSPENDED)
        return rc;
    auth_cert_free(r->r_cert);
    r->r_cert = NULL;
    if (rc == 503) {
        proxy_log(p, "cannot look up an account", why);
        return 503;
    }
    cx->c_auth = rc == 0 ? CONN_AUTH_OK : CONN_AUTH_FAILED;
    if (rc != 0)
        proxy_log(p, "authentication failed", why);
    return rc;
}

/* ---- scrapes ------------------------------------------------------------ */

/*
 * A scrape asks its agent and waits for the answer. Suspending the
 * connection meanwhile costs libmicrohttpd two epoll_ctl() calls (out of its
 * epoll set and back in), which on a busy proxy is more than the wait: an
 * agent on the node's network answers in well under a millisecond. So the
 * connection is left as it is at first: libmicrohttpd calls the request
 * handler again at each turn of the worker (a request it holds without a
 * response counts as work at once; counted by httpd_waiting(), it lets the
 * worker wait on its descriptors after a turn that moved nothing), the
 * answer is sent from the turn after it came, and only a scrape still
 * waiting after PROXY_UNSUSPENDED_NS is suspended (resumed by its answer).
 * Should libmicrohttpd end a request that waits unsuspended (0.9.75 ends
 * one whose client reset its connection only when the answer is written:
 * proxy_server, "client gone while waiting"), the request is an orphan,
 * freed by its answer (proxy_completed).
 *
 * The answer is queued by the handler, never where it comes in (in the
 * worker's turn of the agents): called outside the handler, 0.9.75's
 * MHD_queue_response() runs the connection's state machine, which may close
 * the connection (headers that do not fit in its memory pool), and then
 * moves it in the daemon's timeout list, a connection it has just taken out:
 * the list is lost, and the connection freed while listed. The price, as
 * measured at 2,000 scrapes/s: 0.4 MHD_run() and 0.8 system calls a scrape.
 */

static void req_free(req_t *r);

/* upstream_done_fn: the agent's answer arrives, the connection goes on. */
static void
proxy_upstream_done(void *arg, upstream_answer_t *ans)
{
    req_t *r = arg;
    if (r->r_orphan) {
        sbuf_release(&ans->ua_body);
        req_free(r);
        return;
    }
    r->r_answered_ns = cmon_monotime_ns();
    r->r_ans = *ans;
    ans->ua_body = (sbuf_t)SBUF_INIT; /* taken */
    r->r_state = REQ_ANSWERED;
    if (r->r_suspended) {
        httpd_resume(r->r_proxy->p_httpd, r->r_conn);
    } else {
        httpd_waiting(-1);
        httpd_poke(); /* the worker runs its daemon before it waits */
    }
}

static enum MHD_Result
proxy_answer_scrape(req_t *r)
{
    upstream_answer_t *a = &r->r_ans;
    if (a->ua_status != 200) {
        if (a->ua_status != 404)
            proxy_log(r->r_proxy, "scrape failed", a->ua_why);
        return reply_error(r->r_conn, a->ua_status,
                           a->ua_status == 404 ? "container not found" : a->ua_why);
    }
    reply_t rp = {.rp_status = 200};
    rp.rp_body = sbuf_detach(&a->ua_body, &rp.rp_len);
    rp.rp_ctype = a->ua_ctype[0] != '\0' ? a->ua_ctype : NULL;
    rp.rp_cenc = a->ua_cenc[0] != '\0' && strcasecmp(a->ua_cenc, "identity") != 0 ? "gzip" : NULL;
    reply_gzip(&rp, r->r_client_gzip);
    return reply_send(r->r_conn, &rp);
}

/* A turn of a scrape still waiting for its agent: suspended once it has
 * waited p_unsuspended_ns (po_unsuspended_ms). */
static enum MHD_Result
proxy_scrape_waits(req_t *r)
{
    if (!r->r_suspended && cmon_monotime_ns() - r->r_asked_ns >= r->r_proxy->p_unsuspended_ns) {
        r->r_suspended = 1;
        httpd_waiting(-1);
        MHD_suspend_connection(r->r_conn);
    }
    return MHD_YES;
}

/* /metrics of a UUID host: ask its agent (above). */
static enum MHD_Result
proxy_scrape(req_t *r, conn_t *cx, const host_target_t *target)
{
    proxy_t *p = r->r_proxy;
    inv_route_t route;
    int found =
        target->ht_kind != HOST_UUID
            ? INV_ROUTE_NONE
            : inventory_route(p->p_inv, target->ht_uuid, cx->c_account, cx->c_operator, &route);
    if (found == INV_ROUTE_NODE_UNKNOWN) /* yours, but where it runs is not known yet */
        return reply_error(r->r_conn, 503, "the container's compute node is not known yet");
    if (found != INV_ROUTE_OK)
        return reply_error(r->r_conn, 404, "container not found");
    upstream_call_t call = {
        .uc_gzip = r->r_client_gzip, .uc_done = proxy_upstream_done, .uc_arg = r};
    snprintf(call.uc_url, sizeof(call.uc_url), "http://%s%s", route.ir_agent, route.ir_path);
    const char *accept = MHD_lookup_connection_value(r->r_conn, MHD_HEADER_KIND, "Accept");
    if (accept != NULL && strlen(accept) < sizeof(call.uc_accept))
        snprintf(call.uc_accept, sizeof(call.uc_accept), "%s", accept);
    r->r_state = REQ_WAITING;
    r->r_asked_ns = cmon_monotime_ns();
    httpd_waiting(1); /* until answered or suspended */
    upstream_t *u = httpd_worker_side(); /* this worker's own: the answer comes back here */
    if (u == NULL || upstream_submit(u, &call) != 0) {
        httpd_waiting(-1);
        r->r_ans.ua_status = 503;
        snprintf(r->r_ans.ua_why, sizeof(r->r_ans.ua_why), "the proxy is stopping");
        r->r_state = REQ_ANSWERED;
    }
    return r->r_state == REQ_ANSWERED ? proxy_answer_scrape(r) : MHD_YES;
}

static enum MHD_Result proxy_refuse(struct MHD_Connection *c, unsigned status, const char *why,
                                    const char *retry);

static enum MHD_Result
proxy_discover_busy(req_t *r)
{
    proxy_log(r->r_proxy, "discovery refused", "too many discovery answers being sent");
    return proxy_refuse(r->r_conn, 503, "too many discovery answers being sent, retry", "1");
}

/* A discovery body, counted in the proxy's bound from when it is built
 * (plain) until it is sent (compressed or not); past the bound 503 with
 * Retry-After, so clients reading slowly cannot make the proxy hold more. */
static enum MHD_Result
proxy_send_json(req_t *r, char *body, size_t len)
{
    reply_budget_t *b = &r->r_proxy->p_discover_held;
    if (body == NULL)
        return reply_error(r->r_conn, 500, "out of memory");
    if (!reply_budget_take(b, len)) {
        free(body);
        return proxy_discover_busy(r);
    }
    reply_t rp = {.rp_status = 200, .rp_body = body, .rp_len = len, .rp_ctype = "application/json"};
    reply_gzip(&rp, r->r_client_gzip);
    reply_budget_resize(b, len, rp.rp_len); /* the body as it is sent */
    rp.rp_budget = b;
    return reply_send(r->r_conn, &rp);
}

static enum MHD_Result
proxy_discover(req_t *r, conn_t *cx)
{
    const char *q = MHD_lookup_connection_value(r->r_conn, MHD_GET_ARGUMENT_KIND, "groups");
    inv_groups_t *g = NULL;
    char err[256];
    size_t len = 0;
    if (inventory_groups_parse(q, &g, err, sizeof(err)) != 0)
        return reply_error(r->r_conn, 400, err);
    if (!reply_budget_room(&r->r_proxy->p_discover_held)) { /* build none while full */
        inventory_groups_free(g);
        return proxy_discover_busy(r);
    }
    char *body = inventory_discover(r->r_proxy->p_inv, cx->c_account, g, &len);
    inventory_groups_free(g);
    return proxy_send_json(r, body, len);
}

static enum MHD_Result
proxy_discover_cns(req_t *r, conn_t *cx)
{
    size_t len = 0;
    if (!cx->c_operator)
        return reply_error(r->r_conn, 403, "compute nodes are for operators only");
    char *body = inventory_discover_cns(r->r_proxy->p_inv, &len);
    return proxy_send_json(r, body, len);
}

/* "/_ping" or "/v<N>/_ping". */
static int
proxy_is_ping(const char *url)
{
    if (strcmp(url, "/_ping") == 0)
        return 1;
    if (url[0] != '/' || url[1] != 'v')
        return 0;
    size_t digits = strspn(url + 2, "0123456789");
    return digits > 0 && digits < 10 && strcmp(url + 2 + digits, "/_ping") == 0;
}

static enum MHD_Result
proxy_ping(req_t *r)
{
    reply_t rp = {.rp_status = 200, .rp_body = strdup("OK"), .rp_len = 2};
    return rp.rp_body != NULL ? reply_send(r->r_conn, &rp) : MHD_NO;
}

/* The Host rule and SNI. 0 to go on, else the status answered. */
static unsigned
proxy_check_host(proxy_t *p, struct MHD_Connection *c, conn_t *cx, host_target_t *target,
                 const char **why)
{
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    size_t sl = strlen(p->p_suffix);
    *why = "unknown host";
    if (host_parse(host, target) == HOST_BAD)
        return 404;
    /* "<label>.<suffix>", a port or a trailing dot allowed after it */
    size_t label = strcspn(host, ".:");
    if (host[label] != '.')
        return 404;
    const char *rest = host + label + 1;
    if (strncasecmp(rest, p->p_suffix, sl) != 0 ||
        (rest[sl] != '\0' && rest[sl] != ':' && strcmp(rest + sl, ".") != 0 &&
         strncmp(rest + sl, ".:", 2) != 0))
        return 404;
    if (!host_sni_agrees(conn_sni(cx, c), host)) {
        *why = "TLS server name and Host differ";
        return 421;
    }
    return 0;
}

/* Authentication (kept per connection) and the account's throttle. 0, the
 * status to answer, or PROXY_SUSPENDED. */
static unsigned
proxy_admit(proxy_t *p, req_t *r, conn_t *cx, const char **why, char *retry, size_t retrylen)
{
    unsigned st = cx->c_auth == CONN_AUTH_OK ? 0 : 401;
    if (cx->c_auth == CONN_AUTH_NONE && (st = proxy_authenticate(p, r, cx)) == PROXY_SUSPENDED)
        return st;
    *why = st == 503 ? "cannot look up the account now" : "authentication required";
    if (st != 0 || cx->c_operator)
        return st;
    unsigned wait = 1;
    if (throttle_take(p->p_throttle, cx->c_account, cmon_monotime_s(), &wait))
        return 0;
    snprintf(retry, retrylen, "%u", wait);
    *why = "too many requests";
    return 429;
}

static enum MHD_Result
proxy_refuse(struct MHD_Connection *c, unsigned status, const char *why, const char *retry)
{
    reply_t rp = {.rp_status = status,
                  .rp_ctype = "application/json",
                  .rp_retry_after = status == 429 || status == 503 ? retry : NULL};
    rp.rp_body = reply_error_json(status, why, &rp.rp_len);
    return reply_send(c, &rp);
}

/* A complete request, headers read, not yet answered. */
static enum MHD_Result
proxy_route(req_t *r, const char *url, const char *method)
{
    proxy_t *p = r->r_proxy;
    struct MHD_Connection *c = r->r_conn;
    conn_t *cx = conn_of(c);
    host_target_t target;
    const char *why;
    char retry[16] = "1";
    unsigned st;
    if (cx == NULL)
        return reply_error(c, 500, "out of memory");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_error(c, 405, "method not allowed");
    if ((st = proxy_check_host(p, c, cx, &target, &why)) != 0)
        return reply_error(c, st, why);
    if (proxy_is_ping(url))
        return proxy_ping(r);
    if ((st = proxy_admit(p, r, cx, &why, retry, sizeof(retry))) == PROXY_SUSPENDED)
        return MHD_YES;
    if (st != 0)
        return proxy_refuse(c, st, why, retry);
    r->r_client_gzip =
        negotiate_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding"));
    if (strcmp(url, "/metrics") == 0)
        return proxy_scrape(r, cx, &target);
    if (strcmp(url, "/v1/discover") == 0)
        return proxy_discover(r, cx);
    if (strcmp(url, "/v1/gz/discover") == 0)
        return proxy_discover_cns(r, cx);
    return reply_error(c, 404, "no such endpoint");
}

/* ---- the access log (accesslog.h) --------------------------------------- */

/* What the log line says of the request, copied while libmicrohttpd's
 * strings are sure to be there: cut one byte past what the log writes. */
static void
req_remember(req_t *r, const char *method, const char *url)
{
    const char *host = MHD_lookup_connection_value(r->r_conn, MHD_HEADER_KIND, "Host");
    snprintf(r->r_method, sizeof(r->r_method), "%s", method != NULL ? method : "");
    snprintf(r->r_host, sizeof(r->r_host), "%s", host != NULL ? host : "");
    snprintf(r->r_path, sizeof(r->r_path), "%s", url != NULL ? url : "");
}

/* The request's line, as it ends (toe: how). */
static void
req_log(req_t *r, struct MHD_Connection *c, enum MHD_RequestTerminationCode toe)
{
    proxy_t *p = r->r_proxy;
    char client[INET6_ADDRSTRLEN] = "";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        const void *a = sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                                  : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        if (inet_ntop(sa->sa_family, a, client, sizeof(client)) == NULL)
            client[0] = '\0';
    }
    const conn_t *cx = conn_of(c);
    const union MHD_ConnectionInfo *st = MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t end = cmon_monotime_ns();
    accesslog_entry_t e = {
        .ale_end_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
        .ale_client = client,
        .ale_login = cx != NULL && cx->c_auth == CONN_AUTH_OK ? cx->c_login : NULL,
        .ale_method = r->r_method,
        .ale_host = r->r_host,
        .ale_path = r->r_path,
        .ale_status = st != NULL ? st->http_status : 0,
        .ale_request_ns = end - r->r_begun_ns,
        .ale_agent_ns = r->r_answered_ns > 0 ? r->r_answered_ns - r->r_asked_ns : -1,
        .ale_done = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
    };
    if (accesslog_write(p->p_access_fd, &e) != 0)
        proxy_log(p, "cannot write the access log", strerror(errno));
}

static enum MHD_Result
proxy_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
             const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    req_t *r = *con_cls;
    if (r == NULL) {
        if ((r = calloc(1, sizeof(*r))) == NULL)
            return MHD_NO;
        r->r_proxy = cls;
        r->r_conn = c;
        r->r_begun_ns = cmon_monotime_ns();
        if (r->r_proxy->p_access_fd > 0)
            req_remember(r, method, url);
        *con_cls = r;
        conn_served(c);
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0; /* no endpoint takes a body */
        return MHD_YES;
    }
    if (r->r_state == REQ_ANSWERED) {
        /* queued here, the answer is sent at libmicrohttpd's next turn: at
         * once, not after the wait of a turn that moved nothing */
        httpd_poke();
        return proxy_answer_scrape(r);
    }
    if (r->r_state == REQ_WAITING)
        return proxy_scrape_waits(r);
    if (r->r_state == REQ_LOOKUP)
        return MHD_YES; /* not expected: a suspended connection is not called */
    if (r->r_state != REQ_LOOKEDUP)
        r->r_state = REQ_HEADERS;
    return proxy_route(r, url, method);
}

static void
proxy_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_t *r = *con_cls;
    if (r == NULL)
        return;
    *con_cls = NULL;
    if (r->r_proxy->p_access_fd > 0)
        req_log(r, c, toe);
    if (r->r_state == REQ_WAITING) {
        r->r_orphan = 1; /* its agent still answers: proxy_upstream_done frees it */
        if (!r->r_suspended)
            httpd_waiting(-1);
        r->r_conn = NULL;
        return;
    }
    req_free(r);
}

static void
req_free(req_t *r)
{
    sbuf_release(&r->r_ans.ua_body);
    auth_cert_free(r->r_cert);
    accounts_put(r->r_proxy->p_accounts, r->r_lookup_ref);
    free(r);
}

/* ---- the daemon --------------------------------------------------------- */

static void
proxy_log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap; /* MHD's messages are about single clients (bad TLS, resets): not ours to log */
}

static unsigned
proxy_family_flags(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return 0;
    return cmon_listen_dual_stack(sa) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
}

/* httpd_side_t of a worker: its upstream. */
static long long
proxy_side_wait_us(void *ctx)
{
    return upstream_wait_us(ctx);
}

static void
proxy_side_run(void *ctx)
{
    upstream_run(ctx);
}

static void
proxy_side_stop(void *ctx)
{
    upstream_cancel(ctx);
}

/* An upstream a worker, each with its share of the connection bounds, so the
 * workers together open at most PROXY_AGENT_CONNS to one agent. */
static int
proxy_start_upstreams(proxy_t *p, const proxy_opts_t *o, char *err, size_t errlen)
{
    unsigned n = p->p_nworkers;
    long host = PROXY_AGENT_CONNS / (long)n, idle = PROXY_AGENT_IDLE / (long)n;
    upstream_opts_t uo = {.uo_connect_timeout_ms = o->po_connect_timeout_ms,
                          .uo_timeout_ms = o->po_upstream_timeout_ms,
                          .uo_max_body = o->po_max_body,
                          .uo_host_conns = host > 0 ? host : 1,
                          .uo_max_conns = idle > 0 ? idle : 1};
    if ((p->p_upstreams = calloc(n, sizeof(*p->p_upstreams))) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < n; i++)
        if ((p->p_upstreams[i] = upstream_new(&uo, err, errlen)) == NULL)
            return -1;
    return 0;
}

static int
proxy_start_daemon(proxy_t *p, const proxy_opts_t *o)
{
    httpd_side_t sides[HTTPD_MAX_WORKERS];
    for (unsigned i = 0; i < p->p_nworkers; i++)
        sides[i] = (httpd_side_t){.hs_ctx = p->p_upstreams[i],
                                  .hs_fd = upstream_fd(p->p_upstreams[i]),
                                  .hs_wait_us = proxy_side_wait_us,
                                  .hs_run = proxy_side_run,
                                  .hs_stop = proxy_side_stop};
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)proxy_log_mhd, NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->po_key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->po_cert_pem},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)proxy_notify_conn, p},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)proxy_completed, p},
        {MHD_OPTION_CONNECTION_TIMEOUT, PROXY_IDLE_TIMEOUT_S, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, PROXY_CONNECTION_MEMORY, NULL},
        {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
        {MHD_OPTION_END, 0, NULL}};
    httpd_opts_t ho = {.ho_addr = o->po_addr,
                       .ho_workers = p->p_nworkers,
                       .ho_flags = MHD_USE_TLS | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                                   proxy_family_flags(o->po_addr),
                       .ho_max_conns = o->po_max_conns > 0 ? o->po_max_conns : 1024,
                       .ho_access = proxy_access,
                       .ho_access_cls = p,
                       .ho_options = options,
                       .ho_sides = sides};
    if ((p->p_httpd = httpd_start(&ho)) == NULL)
        return -1;
    p->p_port = httpd_port(p->p_httpd);
    return 0;
}

static int
proxy_start_parts(proxy_t *p, const proxy_opts_t *o, char *err, size_t errlen)
{
    accounts_opts_t ao = {.ao_cplane = o->po_cplane,
                          .ao_capacity = o->po_account_cache > 0 ? o->po_account_cache : 50,
                          .ao_ttl_s = o->po_account_ttl_s >= 0 ? o->po_account_ttl_s : 300,
                          .ao_timeout_ms = o->po_cplane_timeout_ms};
    double rate = o->po_throttle_rate > 0 ? o->po_throttle_rate : 100;
    double burst = o->po_throttle_burst >= 1 ? o->po_throttle_burst : 1000;
    if (ao.ao_ttl_s >= 1 && (p->p_certs = certcache_new(PROXY_CERT_SLOTS, ao.ao_ttl_s)) == NULL) {
        snprintf(err, errlen, "cannot set up: %s", strerror(errno));
        return -1;
    }
    if ((p->p_log = ratelog_new(PROXY_LOG_INTERVAL_S)) == NULL ||
        (p->p_accounts = accounts_new(&ao)) == NULL ||
        (p->p_throttle = throttle_new(rate, burst, PROXY_THROTTLE_ACCOUNTS)) == NULL) {
        snprintf(err, errlen, "cannot set up: %s", strerror(errno));
        return -1;
    }
    if ((p->p_lookup = lookup_start(p->p_accounts, PROXY_LOOKUP_THREADS)) == NULL) {
        snprintf(err, errlen, "cannot start the look-up threads: %s", strerror(errno));
        return -1;
    }
    return proxy_start_upstreams(p, o, err, errlen);
}

proxy_t *
proxy_start(const proxy_opts_t *o, char *err, size_t errlen)
{
    proxy_t *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->p_inv = o->po_inventory;
    p->p_nworkers = o->po_threads > 0 ? o->po_threads : 2;
    if (p->p_nworkers > HTTPD_MAX_WORKERS)
        p->p_nworkers = HTTPD_MAX_WORKERS;
    p->p_discover_held.rb_max = o->po_discover_held > 0 ? o->po_discover_held : PROXY_DISCOVER_HELD;
    p->p_unsuspended_ns = o->po_unsuspended_ms > 0 ? (int64_t)o->po_unsuspended_ms * 1000000
                                                   : PROXY_UNSUSPENDED_NS;
    p->p_access_fd = o->po_access_fd > 0 ? o->po_access_fd : 0;
    snprintf(p->p_suffix, sizeof(p->p_suffix), "%s",
             o->po_dns_suffix != NULL ? o->po_dns_suffix : "cmon.test");
    if (proxy_start_parts(p, o, err, errlen) != 0) {
        proxy_stop(p);
        return NULL;
    }
    if (proxy_start_daemon(p, o) != 0) {
        char addr[128];
        snprintf(err, errlen, "cannot listen on %s: %s (or the certificate or key is unusable)",
                 cmon_listen_format(o->po_addr, addr, sizeof(addr)),
                 strerror(errno != 0 ? errno : EINVAL));
        proxy_stop(p);
        return NULL;
    }
    return p;
}

unsigned
proxy_port(const proxy_t *p)
{
    return p->p_port;
}

void
proxy_stop(proxy_t *p)
{
    if (p == NULL)
        return;
    httpd_quiesce(p->p_httpd); /* accept no more */
    lookup_stop(p->p_lookup);            /* resumes every suspended look-up: unavailable */
    httpd_stop(p->p_httpd); /* each worker first ends its scrapes (503, its upstream's hs_stop) */
    for (unsigned i = 0; p->p_upstreams != NULL && i < p->p_nworkers; i++)
        upstream_free(p->p_upstreams[i]);
    free(p->p_upstreams);
    throttle_free(p->p_throttle);
    certcache_free(p->p_certs);
    accounts_free(p->p_accounts);
    ratelog_free(p->p_log);
    free(p);
}
