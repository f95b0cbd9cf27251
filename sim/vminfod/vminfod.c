/*
 * vminfod.c - the fake vminfod's HTTP side (vminfod.h): routes, faults,
 * and taking the port down and up again.
 *
 * The world is read with the reader protocol from the server's threads
 * while the writer (another thread of this process) changes it, as any
 * reader process would. The fault is the only state the threads share with
 * the caller: a copy under a mutex.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "answer.h"
#include "listen.h"
#include "vminfod.h"

#define VMINFOD_GARBAGE_BODY "{\"uuid\": \"this is not\" JSON <html>"

struct vminfod {
    const world_t *vd_world;
    struct MHD_Daemon *vd_daemon; /* NULL while down */
    struct sockaddr_storage vd_addr;
    socklen_t vd_addrlen;
    char vd_url[80];
    pthread_mutex_t vd_lock;
    vminfod_fault_t vd_fault; /* under vd_lock */
    atomic_ulong vd_requests;
};

/* ---- answers ------------------------------------------------------------ */

static enum MHD_Result
vminfod_answer(struct MHD_Connection *c, unsigned status, const char *body, size_t len)
{
    return cmon_answer(c, status, "application/json", body, len);
}

/* Answers the JSON j (taken) with status; 500 if it cannot be written. */
static enum MHD_Result
vminfod_answer_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    enum MHD_Result ret;

    json_decref(j);
    if (text == NULL)
        return vminfod_answer(c, 500, "{\"message\":\"out of memory\"}", 27);
    ret = vminfod_answer(c, status, text, strlen(text));
    free(text);
    return ret;
}

static enum MHD_Result
vminfod_message(struct MHD_Connection *c, unsigned status, const char *fmt, const char *arg)
{
    char msg[256];

    snprintf(msg, sizeof(msg), fmt, arg);
    return vminfod_answer_json(c, status, json_pack("{ss}", "message", msg));
}

static enum MHD_Result
vminfod_get_vm(vminfod_t *v, struct MHD_Connection *c, const char *uuid)
{
    world_vm_t vm;
    int zix = world_zone_find(v->vd_world, uuid);

    /* world_zone_find also takes aliases: vminfod knows VMs by uuid only */
    if (zix <= 0 || world_vm_get(v->vd_world, zix, &vm) != 0 || strcmp(vm.wvm_uuid, uuid) != 0)
        return vminfod_message(c, 404, "vm %s not found", uuid);
    return vminfod_answer_json(c, 200, vmjson_record(&vm));
}

static enum MHD_Result
vminfod_get_all(vminfod_t *v, struct MHD_Connection *c)
{
    json_t *a = json_array();
    world_vm_t vm;

    for (int z = world_zone_next(v->vd_world, 0); a != NULL && z > 0;
         z = world_zone_next(v->vd_world, z))
        if (world_vm_get(v->vd_world, z, &vm) == 0 &&
            json_array_append_new(a, vmjson_record(&vm)) != 0) {
            json_decref(a);
            a = NULL;
        }
    return vminfod_answer_json(c, 200, a);
}

/* ---- faults ------------------------------------------------------------- */

static void
vminfod_fault_get(vminfod_t *v, vminfod_fault_t *out)
{
    pthread_mutex_lock(&v->vd_lock);
    *out = v->vd_fault;
    pthread_mutex_unlock(&v->vd_lock);
}

static void
vminfod_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Applies the fault to a request for uuid (NULL: the list); non-zero when it answered. */
static int
vminfod_fault_apply(vminfod_t *v, struct MHD_Connection *c, const char *uuid, enum MHD_Result *ret)
{
    vminfod_fault_t f;

    vminfod_fault_get(v, &f);
    if (f.vf_mode == VMINFOD_OK || (f.vf_uuid[0] && (uuid == NULL || strcmp(uuid, f.vf_uuid))))
        return 0;
    switch (f.vf_mode) {
    case VMINFOD_SLOW:
        vminfod_sleep_ms(f.vf_delay_ms);
        return 0;
    case VMINFOD_GARBAGE:
        *ret = vminfod_answer(c, 200, VMINFOD_GARBAGE_BODY, strlen(VMINFOD_GARBAGE_BODY));
        return 1;
    case VMINFOD_ERROR:
        *ret = vminfod_message(c, 500, "internal error (fault for %s)", uuid ? uuid : "/vms");
        return 1;
    case VMINFOD_NOTFOUND:
        *ret = vminfod_message(c, 404, "vm %s not found", uuid ? uuid : "");
        return 1;
    default: /* DOWN with a uuid: that VM's requests see the connection closed */
        *ret = MHD_NO;
        return 1;
    }
}

/* ---- routes ------------------------------------------------------------- */

static enum MHD_Result
vminfod_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
               const char *version, const char *upload, size_t *upload_len, void **state)
{
    vminfod_t *v = cls;
    const char *uuid = strncmp(url, "/vms/", 5) == 0 ? url + 5 : NULL;
    enum MHD_Result ret;

    (void)version, (void)upload, (void)upload_len;
    if (*state == NULL) {
        *state = v; /* the headers only: answer once the request is whole */
        return MHD_YES;
    }
    if (uuid == NULL && strcmp(url, "/vms") != 0)
        return vminfod_message(c, 404, "no route %s", url);
    if (strcmp(method, "GET") != 0)
        return vminfod_message(c, 405, "method %s not allowed", method);
    if (uuid != NULL)
        atomic_fetch_add(&v->vd_requests, 1);
    if (vminfod_fault_apply(v, c, uuid, &ret))
        return ret;
    return uuid ? vminfod_get_vm(v, c, uuid) : vminfod_get_all(v, c);
}

/* ---- the port ------------------------------------------------------------ */

static int
vminfod_listen(vminfod_t *v, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    char where[80];

    if (v->vd_addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    v->vd_daemon = MHD_start_daemon(flags, 0, NULL, NULL, vminfod_access, v, MHD_OPTION_SOCK_ADDR,
                                    (struct sockaddr *)&v->vd_addr, MHD_OPTION_CONNECTION_TIMEOUT,
                                    (unsigned)30, MHD_OPTION_END);
    if (v->vd_daemon == NULL) {
        int e = errno ? errno : EADDRINUSE;
        cmon_listen_format((struct sockaddr *)&v->vd_addr, where, sizeof(where));
        snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(e));
        return -1;
    }
    return 0;
}

/* Puts the port the kernel picked into vd_addr, so that the server comes back on it. */
static void
vminfod_bound(vminfod_t *v)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(v->vd_daemon, MHD_DAEMON_INFO_BIND_PORT);
    char where[64];

    if (i != NULL && i->port != 0) {
        if (v->vd_addr.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&v->vd_addr)->sin6_port = htons(i->port);
        else
            ((struct sockaddr_in *)&v->vd_addr)->sin_port = htons(i->port);
    }
    cmon_listen_format((struct sockaddr *)&v->vd_addr, where, sizeof(where));
    snprintf(v->vd_url, sizeof(v->vd_url), "http://%s", where);
}

vminfod_t *
vminfod_start(const world_t *w, const struct sockaddr *addr, socklen_t addrlen, char *err,
              size_t errlen)
{
    vminfod_t *v = calloc(1, sizeof(*v));

    if (v == NULL || addrlen > sizeof(v->vd_addr)) {
        snprintf(err, errlen, v ? "bad address" : "out of memory");
        free(v);
        return NULL;
    }
    v->vd_world = w;
    memcpy(&v->vd_addr, addr, addrlen);
    v->vd_addrlen = addrlen;
    pthread_mutex_init(&v->vd_lock, NULL);
    if (vminfod_listen(v, err, errlen) != 0) {
        pthread_mutex_destroy(&v->vd_lock);
        free(v);
        return NULL;
    }
    vminfod_bound(v);
    return v;
}

const char *
vminfod_url(const vminfod_t *v)
{
    return v->vd_url;
}

unsigned long
vminfod_requests(const vminfod_t *v)
{
    return atomic_load(&v->vd_requests);
}

int
vminfod_set_fault(vminfod_t *v, const vminfod_fault_t *f, char *err, size_t errlen)
{
    int down = f->vf_mode == VMINFOD_DOWN && f->vf_uuid[0] == '\0';

    pthread_mutex_lock(&v->vd_lock);
    v->vd_fault = *f;
    pthread_mutex_unlock(&v->vd_lock);
    if (down && v->vd_daemon != NULL) {
        MHD_stop_daemon(v->vd_daemon);
        v->vd_daemon = NULL;
    } else if (!down && v->vd_daemon == NULL) {
        return vminfod_listen(v, err, errlen);
    }
    return 0;
}

void
vminfod_stop(vminfod_t *v)
{
    if (v == NULL)
        return;
    if (v->vd_daemon != NULL)
        MHD_stop_daemon(v->vd_daemon);
    pthread_mutex_destroy(&v->vd_lock);
    free(v);
}
