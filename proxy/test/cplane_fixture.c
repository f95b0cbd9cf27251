/* cplane_fixture - a control plane for tests (see cplane_fixture.h). */
#include "cplane_fixture.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PATHS_MAX 200000

struct cpfix {
    struct MHD_Daemon *cf_mhd;
    char cf_url[64];
    pthread_mutex_t cf_lock;
    pthread_cond_t cf_changed;
    int cf_stopping;
    json_t *cf_vms;         /* uuid -> VM object */
    const char **cf_sorted; /* the uuids in order, NULL when to be rebuilt */
    size_t cf_nsorted;
    json_t *cf_servers; /* uuid -> server object */
    json_t *cf_listed;  /* uuid -> true for those /servers lists */
    json_t *cf_changes; /* retained changes, seq cf_first .. cf_seq */
    unsigned long long cf_seq, cf_first;
    int cf_garbage_status;
    char *cf_garbage_body;
    cpfix_page_fn cf_on_page;
    void *cf_on_page_arg;
    int cf_delay_ms;
    int cf_no_long_poll;
    size_t cf_page_cap;
    unsigned cf_polls_in, cf_polls_out;
    char **cf_paths;
    size_t cf_npaths;
};

/* ---- building data -------------------------------------------------------- */

void
cpfix_uuid(char out[37], unsigned kind, unsigned long n)
{
    snprintf(out, 37, "%08x-0000-4000-8000-%012lx", kind, n);
}

json_t *
cpfix_vm_new(const char *uuid, const char *owner, const char *server, const char *alias,
             const char *state, const char *groups, const char *role)
{
    json_t *tags = json_object();
    if (groups != NULL)
        json_object_set_new(tags, "triton.cmon.groups", json_string(groups));
    if (role != NULL)
        json_object_set_new(tags, "smartdc_role", json_string(role));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "uuid", uuid, "owner_uuid", owner,
                     "server_uuid", server, "alias", alias, "brand", "joyent", "image_uuid",
                     "11111111-2222-4333-8444-555555555555", "state", state, "tags", tags);
}

/* Appends a change (steals it) and wakes the long polls. Lock held. */
static void
feed_append(cpfix_t *f, json_t *change)
{
    json_object_set_new(change, "seq", json_integer((json_int_t)++f->cf_seq));
    json_array_append_new(f->cf_changes, change);
    pthread_cond_broadcast(&f->cf_changed);
}

void
cpfix_vm_put(cpfix_t *f, json_t *vm, int feed)
{
    const char *uuid = json_string_value(json_object_get(vm, "uuid"));
    pthread_mutex_lock(&f->cf_lock);
    if (json_object_get(f->cf_vms, uuid) == NULL) {
        free(f->cf_sorted);
        f->cf_sorted = NULL;
    }
    if (feed)
        feed_append(f, json_pack("{s:s, s:O}", "type", "upsert", "vm", vm));
    json_object_set_new(f->cf_vms, uuid, vm);
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_vm_destroy(cpfix_t *f, const char *uuid, int feed)
{
    pthread_mutex_lock(&f->cf_lock);
    free(f->cf_sorted);
    f->cf_sorted = NULL;
    if (feed)
        feed_append(f, json_pack("{s:s, s:s}", "type", "destroy", "uuid", uuid));
    json_object_del(f->cf_vms, uuid);
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_change_raw(cpfix_t *f, json_t *change)
{
    pthread_mutex_lock(&f->cf_lock);
    feed_append(f, change);
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_server_put(cpfix_t *f, const char *uuid, const char *hostname, const char *agent, int listed)
{
    pthread_mutex_lock(&f->cf_lock);
    json_object_set_new(f->cf_servers, uuid,
                        json_pack("{s:s, s:s, s:s, s:s}", "uuid", uuid, "hostname", hostname,
                                  "admin_ip", "127.0.0.1", "agent", agent));
    if (listed)
        json_object_set_new(f->cf_listed, uuid, json_true());
    else
        json_object_del(f->cf_listed, uuid);
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_feed_forget(cpfix_t *f)
{
    pthread_mutex_lock(&f->cf_lock);
    json_array_clear(f->cf_changes);
    f->cf_first = f->cf_seq + 1;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_page_cap(cpfix_t *f, size_t n)
{
    pthread_mutex_lock(&f->cf_lock);
    f->cf_page_cap = n;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_feed_restart(cpfix_t *f)
{
    pthread_mutex_lock(&f->cf_lock);
    json_array_clear(f->cf_changes);
    f->cf_seq = 0;
    f->cf_first = 1;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_garbage(cpfix_t *f, int status, const char *body)
{
    pthread_mutex_lock(&f->cf_lock);
    free(f->cf_garbage_body);
    f->cf_garbage_body = body ? strdup(body) : NULL;
    f->cf_garbage_status = status;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_on_page(cpfix_t *f, cpfix_page_fn fn, void *arg)
{
    pthread_mutex_lock(&f->cf_lock);
    f->cf_on_page = fn;
    f->cf_on_page_arg = arg;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_delay(cpfix_t *f, int ms)
{
    pthread_mutex_lock(&f->cf_lock);
    f->cf_delay_ms = ms;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_no_long_poll(cpfix_t *f, int on)
{
    pthread_mutex_lock(&f->cf_lock);
    f->cf_no_long_poll = on;
    pthread_mutex_unlock(&f->cf_lock);
}

void
cpfix_polls(cpfix_t *f, unsigned *received, unsigned *answered)
{
    pthread_mutex_lock(&f->cf_lock);
    *received = f->cf_polls_in;
    *answered = f->cf_polls_out;
    pthread_mutex_unlock(&f->cf_lock);
}

unsigned
cpfix_count(cpfix_t *f, const char *prefix)
{
    unsigned n = 0;
    pthread_mutex_lock(&f->cf_lock);
    for (size_t i = 0; i < f->cf_npaths; i++)
        n += strncmp(f->cf_paths[i], prefix, strlen(prefix)) == 0;
    pthread_mutex_unlock(&f->cf_lock);
    return n;
}

unsigned long long
cpfix_seq(cpfix_t *f)
{
    pthread_mutex_lock(&f->cf_lock);
    unsigned long long s = f->cf_seq;
    pthread_mutex_unlock(&f->cf_lock);
    return s;
}

/* ---- answering -------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The uuids in order (rebuilt after an add or destroy). Lock held. */
static void
sorted_uuids(cpfix_t *f)
{
    if (f->cf_sorted != NULL)
        return;
    const char *key;
    json_t *v;
    size_t n = 0;
    f->cf_sorted = malloc((json_object_size(f->cf_vms) + 1) * sizeof(char *));
    json_object_foreach(f->cf_vms, key, v) f->cf_sorted[n++] = key;
    qsort(f->cf_sorted, n, sizeof(char *), cmp_str);
    f->cf_nsorted = n;
}

static json_t *
answer_vms(cpfix_t *f, struct MHD_Connection *c)
{
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
    size_t limit = lim ? strtoul(lim, NULL, 10) : 100, offset = off ? strtoul(off, NULL, 10) : 0;
    json_t *page = json_array();
    size_t total = 0;
    if (f->cf_page_cap > 0 && limit > f->cf_page_cap)
        limit = f->cf_page_cap;

    sorted_uuids(f);
    for (size_t i = 0; i < f->cf_nsorted; i++) {
        json_t *vm = json_object_get(f->cf_vms, f->cf_sorted[i]);
        const char *st = json_string_value(json_object_get(vm, "state"));
        if (state != NULL && (st == NULL || strcmp(st, state) != 0))
            continue;
        if (total >= offset && json_array_size(page) < limit)
            json_array_append(page, vm);
        total++;
    }
    return json_pack("{s:o, s:I}", "vms", page, "total", (json_int_t)total);
}

static json_t *
answer_servers(cpfix_t *f)
{
    json_t *list = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(f->cf_servers, key, v) if (json_object_get(f->cf_listed, key) != NULL)
        json_array_append(list, v);
    return json_pack("{s:o}", "servers", list);
}

/* The changes after since, waiting up to wait_ms for one. Lock held. */
static json_t *
answer_changes(cpfix_t *f, struct MHD_Connection *c, unsigned *status)
{
    const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait_ms");
    unsigned long long since = s ? strtoull(s, NULL, 10) : 0;
    long wait_ms = w && !f->cf_no_long_poll ? strtol(w, NULL, 10) : 0;
    struct timespec until;

    if (since + 1 < f->cf_first) {
        *status = 410;
        return json_pack("{s:s, s:s}", "code", "Gone", "message", "since is too old");
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L)
        until.tv_sec++, until.tv_nsec -= 1000000000L;
    while (f->cf_seq <= since && wait_ms > 0 && !f->cf_stopping &&
           pthread_cond_timedwait(&f->cf_changed, &f->cf_lock, &until) == 0)
        ;
    json_t *list = json_array();
    size_t i;
    json_t *ch;
    json_array_foreach(f->cf_changes, i,
                       ch) if ((unsigned long long)json_integer_value(json_object_get(ch, "seq")) >
                               since) json_array_append(list, ch);
    unsigned long long seq = f->cf_seq > since ? f->cf_seq : since;
    return json_pack("{s:I, s:o}", "seq", (json_int_t)seq, "changes", list);
}

static json_t *
answer_one(json_t *table, const char *uuid, unsigned *status)
{
    json_t *v = json_object_get(table, uuid);
    if (v != NULL)
        return json_incref(v);
    *status = 404;
    return json_pack("{s:s, s:s}", "code", "ResourceNotFound", "message", "no such thing");
}

static json_t *
route(cpfix_t *f, struct MHD_Connection *c, const char *url, unsigned *status)
{
    *status = 200;
    if (strcmp(url, "/changes/head") == 0)
        return json_pack("{s:I}", "seq", (json_int_t)f->cf_seq);
    if (strcmp(url, "/changes") == 0) {
        f->cf_polls_in++;
        json_t *a = answer_changes(f, c, status);
        f->cf_polls_out++;
        return a;
    }
    if (strcmp(url, "/vms") == 0)
        return answer_vms(f, c);
    if (strncmp(url, "/vms/", 5) == 0)
        return answer_one(f->cf_vms, url + 5, status);
    if (strcmp(url, "/servers") == 0)
        return answer_servers(f);
    if (strncmp(url, "/servers/", 9) == 0)
        return answer_one(f->cf_servers, url + 9, status);
    *status = 404;
    return json_pack("{s:s, s:s}", "code", "ResourceNotFound", "message", "unknown path");
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *data, size_t *data_len, void **state)
{
    cpfix_t *f = cls;
    unsigned status;
    (void)method, (void)version, (void)data, (void)data_len, (void)state;

    pthread_mutex_lock(&f->cf_lock);
    if (f->cf_npaths < PATHS_MAX)
        f->cf_paths[f->cf_npaths++] = strdup(url);
    if (f->cf_delay_ms > 0) {
        struct timespec ts = {f->cf_delay_ms / 1000, (f->cf_delay_ms % 1000) * 1000000L};
        pthread_mutex_unlock(&f->cf_lock);
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&f->cf_lock);
    }
    if (f->cf_garbage_body != NULL) {
        status = (unsigned)f->cf_garbage_status;
        char *body = strdup(f->cf_garbage_body);
        pthread_mutex_unlock(&f->cf_lock);
        return reply(c, status, body, strlen(body));
    }
    json_t *answer = route(f, c, url, &status);
    char *body = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    cpfix_page_fn hook = strcmp(url, "/vms") == 0 ? f->cf_on_page : NULL;
    void *hook_arg = f->cf_on_page_arg;
    pthread_mutex_unlock(&f->cf_lock);
    enum MHD_Result rc = reply(c, status, body, strlen(body));
    if (hook != NULL) {
        const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
        hook(f, off ? strtoul(off, NULL, 10) : 0, hook_arg);
    }
    return rc;
}

/* ---- life ----------------------------------------------------------- */

cpfix_t *
cpfix_start(void)
{
    cpfix_t *f = calloc(1, sizeof(*f));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        free(f);
        return NULL;
    }
    snprintf(f->cf_url, sizeof(f->cf_url), "http://127.0.0.1:%u", ntohs(sa.sin_port));
    pthread_mutex_init(&f->cf_lock, NULL);
    pthread_cond_init(&f->cf_changed, NULL);
    f->cf_vms = json_object();
    f->cf_servers = json_object();
    f->cf_listed = json_object();
    f->cf_changes = json_array();
    f->cf_first = 1;
    f->cf_paths = calloc(PATHS_MAX, sizeof(char *));
    f->cf_mhd =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, handler, f, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_END);
    if (f->cf_mhd == NULL) {
        close(fd);
        cpfix_stop(f);
        return NULL;
    }
    return f;
}

const char *
cpfix_url(const cpfix_t *f)
{
    return f->cf_url;
}

void
cpfix_stop(cpfix_t *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->cf_lock);
    f->cf_stopping = 1;
    pthread_cond_broadcast(&f->cf_changed);
    pthread_mutex_unlock(&f->cf_lock);
    if (f->cf_mhd != NULL)
        MHD_stop_daemon(f->cf_mhd);
    json_decref(f->cf_vms);
    json_decref(f->cf_servers);
    json_decref(f->cf_listed);
    json_decref(f->cf_changes);
    free(f->cf_sorted);
    free(f->cf_garbage_body);
    for (size_t i = 0; i < f->cf_npaths; i++)
        free(f->cf_paths[i]);
    free(f->cf_paths);
    pthread_mutex_destroy(&f->cf_lock);
    pthread_cond_destroy(&f->cf_changed);
    free(f);
}
