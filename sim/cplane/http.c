/*
 * http.c - the control plane's HTTP API (API.md), by libmicrohttpd: one
 * thread per connection (long polls block theirs), at most
 * CPLANE_CONNECTIONS_MAX at once. Handlers only route and copy texts made
 * elsewhere (inventory.c, cplane.c) under cp_lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "answer.h"
#include "cli.h"
#include "cp_impl.h"
#include "listen.h"

#define CP_CHANGES_PER_ANSWER 10000 /* a longer feed is read in several answers */

/* ---- answers --------------------------------------------------------------- */

static enum MHD_Result
cp_answer(struct MHD_Connection *c, unsigned status, const char *body, size_t len)
{
    return cmon_answer(c, status, "application/json", body, len);
}

/* An error body of API.md: {"code","message"}; the status tells the code. */
static enum MHD_Result
cp_error(struct MHD_Connection *c, unsigned status, const char *message)
{
    const char *code = status == 404   ? "ResourceNotFound"
                       : status == 400 ? "InvalidArgument"
                       : status == 410 ? "Gone"
                       : status == 405 ? "BadMethod"
                                       : "InternalError";
    json_t *o = json_pack("{s:s,s:s}", "code", code, "message", message);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    enum MHD_Result ret = s ? cp_answer(c, status, s, strlen(s)) : MHD_NO;
    free(s);
    json_decref(o);
    return ret;
}

/* A memstream's text as the answer (500 when it could not be made). */
static enum MHD_Result
cp_answer_stream(struct MHD_Connection *c, FILE *f, char **text, size_t *len)
{
    int bad = f == NULL || ferror(f);
    if (f != NULL && fclose(f) != 0)
        bad = 1;
    enum MHD_Result ret = bad ? cp_error(c, 500, "out of memory") : cp_answer(c, 200, *text, *len);
    free(*text);
    return ret;
}

/* A query argument as a number in [lo, hi], or dflt when absent; -1 when bad (answered). */
static int
cp_arg(struct MHD_Connection *c, const char *name, uint64_t lo, uint64_t hi, uint64_t dflt,
       uint64_t *out, enum MHD_Result *ret)
{
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    char why[96], msg[192];
    *out = dflt;
    if (s == NULL || cmon_parse_u64(s, lo, hi, out, why, sizeof(why)) == 0)
        return 0;
    snprintf(msg, sizeof(msg), "%s: %s", name, why);
    *ret = cp_error(c, 400, msg);
    return -1;
}

/* ---- accounts and servers -------------------------------------------------- */

static enum MHD_Result
cp_get_account(cplane_t *cp, struct MHD_Connection *c, const char *login)
{
    for (size_t i = 0; i < cp->cp_naccounts; i++) {
        if (strcmp(cp->cp_accounts[i].ca_login, login) != 0)
            continue;
        const char *s = cp->cp_account_texts[i];
        return cp_answer(c, 200, s, strlen(s));
    }
    return cp_error(c, 404, "no such account");
}

static void
cp_server_put(FILE *f, const cp_node_t *n)
{
    fprintf(f, "{\"uuid\":\"%s\",\"hostname\":\"%s\",\"admin_ip\":\"127.0.0.1\",\"agent\":\"%s\"}",
            n->cn_uuid, n->cn_hostname, n->cn_agent);
}

static enum MHD_Result
cp_get_servers(cplane_t *cp, struct MHD_Connection *c, const char *uuid)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (size_t i = 0; uuid != NULL && i < cp->cp_nnodes; i++)
        if (strcmp(cp->cp_nodes[i].cn_uuid, uuid) == 0 && f != NULL) {
            cp_server_put(f, &cp->cp_nodes[i]);
            return cp_answer_stream(c, f, &text, &len);
        }
    if (uuid != NULL) {
        if (f != NULL)
            fclose(f);
        free(text);
        return cp_error(c, 404, "no such server");
    }
    if (f != NULL) {
        fputs("{\"servers\":[", f);
        for (size_t i = 0; i < cp->cp_nnodes; i++) {
            fputs(i ? "," : "", f);
            cp_server_put(f, &cp->cp_nodes[i]);
        }
        fputs("]}", f);
    }
    return cp_answer_stream(c, f, &text, &len);
}

/* ---- VMs ------------------------------------------------------------------- */

static enum MHD_Result
cp_get_vm(cplane_t *cp, struct MHD_Connection *c, const char *uuid)
{
    pthread_mutex_lock(&cp->cp_lock);
    const cp_vm_t *v = cp_vm_find(cp, uuid);
    enum MHD_Result ret = v ? cp_answer(c, 200, v->cv_text->ct_json, v->cv_text->ct_len)
                            : cp_error(c, 404, "no such vm");
    pthread_mutex_unlock(&cp->cp_lock);
    return ret;
}

/* The state filter: -1 all, 1 running, 0 stopped; -2 bad (answered). */
static int
cp_state_arg(struct MHD_Connection *c, enum MHD_Result *ret)
{
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    if (s == NULL)
        return -1;
    if (strcmp(s, "running") == 0 || strcmp(s, "stopped") == 0)
        return s[0] == 'r';
    *ret = cp_error(c, 400, "state: want running or stopped");
    return -2;
}

static void
cp_vms_page(const cplane_t *cp, FILE *f, int state, uint64_t limit, uint64_t offset)
{
    uint64_t seen = 0, put = 0;
    fputs("{\"vms\":[", f);
    for (size_t i = 0; i < cp->cp_nall && put < limit; i++) {
        const cp_vm_t *v = cp->cp_all[i];
        if (state >= 0 && v->cv_running != state)
            continue;
        if (seen++ < offset)
            continue;
        fputs(put++ ? "," : "", f);
        fwrite(v->cv_text->ct_json, 1, v->cv_text->ct_len, f);
    }
    size_t total = state < 0 ? cp->cp_nall
                   : state   ? cp->cp_nrunning
                             : cp->cp_nall - cp->cp_nrunning;
    fprintf(f, "],\"total\":%zu}", total);
}

static enum MHD_Result
cp_get_vms(cplane_t *cp, struct MHD_Connection *c)
{
    enum MHD_Result ret = MHD_NO;
    uint64_t limit, offset;
    int state = cp_state_arg(c, &ret);
    if (state == -2 || cp_arg(c, "limit", 1, CPLANE_PAGE_MAX, 100, &limit, &ret) != 0 ||
        cp_arg(c, "offset", 0, UINT32_MAX, 0, &offset, &ret) != 0)
        return ret;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f != NULL) {
        pthread_mutex_lock(&cp->cp_lock);
        cp_vms_page(cp, f, state, limit, offset); /* the offset walk: costs are in README */
        pthread_mutex_unlock(&cp->cp_lock);
    }
    return cp_answer_stream(c, f, &text, &len);
}

/* ---- the feed -------------------------------------------------------------- */

static void
cp_changes_put(const cplane_t *cp, FILE *f, uint64_t since)
{
    uint64_t last = since;
    fputs("{\"changes\":[", f);
    for (uint64_t s = since + 1; s <= cp->cp_head && s - since <= CP_CHANGES_PER_ANSWER; s++) {
        const cp_change_t *ch = &cp->cp_feed[s % cp->cp_feed_max];
        if (ch->ch_destroy)
            fprintf(f, "%s{\"seq\":%" PRIu64 ",\"type\":\"destroy\",\"uuid\":\"%s\"}",
                    s > since + 1 ? "," : "", s, ch->ch_uuid);
        else
            fprintf(f, "%s{\"seq\":%" PRIu64 ",\"type\":\"upsert\",\"vm\":%s}",
                    s > since + 1 ? "," : "", s, ch->ch_text->ct_json);
        last = s;
    }
    fprintf(f, "],\"seq\":%" PRIu64 "}", last);
}

/* Waits (cp_lock held) until the feed passes since, the deadline or the stop. */
static void
cp_changes_wait(cplane_t *cp, uint64_t since, uint64_t wait_ms)
{
    struct timespec at;
    clock_gettime(CLOCK_MONOTONIC, &at);
    at.tv_sec += (time_t)(wait_ms / 1000);
    at.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    at.tv_sec += at.tv_nsec / 1000000000L;
    at.tv_nsec %= 1000000000L;
    while (!cp->cp_stop && cp->cp_head <= since &&
           pthread_cond_timedwait(&cp->cp_moved, &cp->cp_lock, &at) == 0)
        ;
}

static enum MHD_Result
cp_get_changes(cplane_t *cp, struct MHD_Connection *c)
{
    enum MHD_Result ret = MHD_NO;
    uint64_t since, wait_ms;
    if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since") == NULL)
        return cp_error(c, 400, "since: required");
    if (cp_arg(c, "since", 0, UINT64_MAX / 2, 0, &since, &ret) != 0 ||
        cp_arg(c, "wait_ms", 0, CPLANE_WAIT_MS_MAX, 0, &wait_ms, &ret) != 0)
        return ret;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    pthread_mutex_lock(&cp->cp_lock);
    int gone = since > cp->cp_head || since < cp->cp_head - cp->cp_count;
    if (!gone && wait_ms > 0)
        cp_changes_wait(cp, since, wait_ms);
    gone = since > cp->cp_head || since < cp->cp_head - cp->cp_count; /* may have aged out */
    if (!gone && f != NULL)
        cp_changes_put(cp, f, since);
    pthread_mutex_unlock(&cp->cp_lock);
    if (!gone)
        return cp_answer_stream(c, f, &text, &len);
    if (f != NULL)
        fclose(f);
    free(text);
    return cp_error(c, 410, "since is not in the feed any more (or ahead of it): list again");
}

static enum MHD_Result
cp_get_head(cplane_t *cp, struct MHD_Connection *c)
{
    char body[64];
    pthread_mutex_lock(&cp->cp_lock);
    int n = snprintf(body, sizeof(body), "{\"seq\":%" PRIu64 "}", cp->cp_head);
    pthread_mutex_unlock(&cp->cp_lock);
    return cp_answer(c, 200, body, (size_t)n);
}

/* ---- routes ---------------------------------------------------------------- */

/* The tail of url after prefix when it is one path segment (no '/'), else NULL. */
static const char *
cp_segment(const char *url, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0 || url[n] == '\0' || strchr(url + n, '/') != NULL)
        return NULL;
    return url + n;
}

static enum MHD_Result
cp_route(cplane_t *cp, struct MHD_Connection *c, const char *url, int get)
{
    const char *arg;
    if (strcmp(url, "/vms") == 0)
        return get ? cp_get_vms(cp, c) : cp_error(c, 405, "only GET");
    if ((arg = cp_segment(url, "/vms/")) != NULL)
        return get ? cp_get_vm(cp, c, arg) : cp_error(c, 405, "only GET");
    if (strcmp(url, "/changes") == 0)
        return get ? cp_get_changes(cp, c) : cp_error(c, 405, "only GET");
    if (strcmp(url, "/changes/head") == 0)
        return get ? cp_get_head(cp, c) : cp_error(c, 405, "only GET");
    if (strcmp(url, "/servers") == 0 || (arg = cp_segment(url, "/servers/")) != NULL)
        return get ? cp_get_servers(cp, c, strcmp(url, "/servers") ? arg : NULL)
                   : cp_error(c, 405, "only GET");
    if ((arg = cp_segment(url, "/accounts/")) != NULL)
        return get ? cp_get_account(cp, c, arg) : cp_error(c, 405, "only GET");
    return cp_error(c, 404, "no such resource");
}

static enum MHD_Result
cp_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
          const char *version, const char *upload, size_t *upload_len, void **state)
{
    (void)version, (void)upload, (void)upload_len;
    if (*state == NULL) {
        *state = cls; /* the headers only: answer once they are whole */
        return MHD_YES;
    }
    return cp_route(cls, c, url, strcmp(method, "GET") == 0);
}

/* ---- the port -------------------------------------------------------------- */

int
cp_http_start(cplane_t *cp, const char *addr, char *err, size_t errlen)
{
    cmon_listen_t l;
    char why[256], where[80];
    if (cmon_listen_parse(addr, &l, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "--cplane: %s", why);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (l.cl_addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    cp->cp_httpd = MHD_start_daemon(
        flags, 0, NULL, NULL, cp_access, cp, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&l.cl_addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CPLANE_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(CPLANE_WAIT_MS_MAX / 1000 + 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    if (cp->cp_httpd == NULL) {
        snprintf(err, errlen, "control plane: cannot listen on %s: %s", addr,
                 strerror(errno ? errno : EADDRINUSE));
        return -1;
    }
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(cp->cp_httpd, MHD_DAEMON_INFO_BIND_PORT);
    if (i != NULL && i->port != 0) {
        if (l.cl_addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&l.cl_addr)->sin6_port = htons(i->port);
        else
            ((struct sockaddr_in *)&l.cl_addr)->sin_port = htons(i->port);
    }
    cmon_listen_format((struct sockaddr *)&l.cl_addr, where, sizeof(where));
    snprintf(cp->cp_url, sizeof(cp->cp_url), "http://%s", where);
    return 0;
}

void
cp_http_stop(cplane_t *cp)
{
    if (cp->cp_httpd != NULL)
        MHD_stop_daemon(cp->cp_httpd);
    cp->cp_httpd = NULL;
}
