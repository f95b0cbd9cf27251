/* mhd_lazy: libmicrohttpd loaded when the server starts, not when the
 * program does.
 *
 * cmon-telemetry is also `containerpilot`, which sensor scripts run every
 * few seconds for one -putmetric; loading libmicrohttpd and GnuTLS (whose
 * constructors initialise its crypto and PKCS#11) at every start cost about
 * 1.6 ms of CPU a call, measured, more than the whole round trip otherwise.
 * So the program is linked without libmicrohttpd (-Wl,--as-needed drops it
 * once nothing refers to it) and these definitions of the functions it
 * calls load the library with dlopen() at the first call (the server's
 * start) and call the library's own ones, found with dlsym() in its handle.
 * MHD_start_daemon, variadic, goes to MHD_start_daemon_va.
 *
 * Every libmicrohttpd function telemetry calls (common/httpguard.c's
 * included) must be here; one that is
 * not would be resolved by linking libmicrohttpd again (still correct, only
 * slower to start). A library that cannot be loaded (or lacks one of them)
 * is said on stderr and MHD_start_daemon returns NULL, as for any other
 * reason it cannot start: the caller reports it; the other functions are
 * only called by a daemon that started. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include <microhttpd.h>

#define MHD_LAZY_SONAME "libmicrohttpd.so.12"

/* The library's functions, filled once (pthread_once) at the first call:
 * written before any reader can see them, read-only after. */
static struct {
    struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
                                          MHD_AccessHandlerCallback, void *, va_list);
    void (*stop_daemon)(struct MHD_Daemon *);
    const char *(*lookup_connection_value)(struct MHD_Connection *, enum MHD_ValueKind,
                                           const char *);
    enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
    struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
                                                        enum MHD_ResponseMemoryMode);
    void (*destroy_response)(struct MHD_Response *);
    enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
    const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *,
                                                           enum MHD_ConnectionInfoType, ...);
    enum MHD_Result (*add_connection)(struct MHD_Daemon *, MHD_socket, const struct sockaddr *,
                                      socklen_t);
} mhd_lazy;
static pthread_once_t mhd_lazy_once = PTHREAD_ONCE_INIT;

static bool mhd_lazy_ok; /* every function found; set under mhd_lazy_once */

/* The library's own `name` in handle h, NULL (said) when missing. */
static void *
mhd_lazy_sym(void *h, const char *name)
{
    void *f = dlsym(h, name);
    if (f == NULL)
        fprintf(stderr, "cmon-telemetry: %s has no %s\n", MHD_LAZY_SONAME, name);
    return f;
}

static void
mhd_lazy_open(void)
{
    void *h = dlopen(MHD_LAZY_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "cmon-telemetry: cannot load %s: %s\n", MHD_LAZY_SONAME, dlerror());
        return;
    }
    *(void **)&mhd_lazy.start_daemon_va = mhd_lazy_sym(h, "MHD_start_daemon_va");
    *(void **)&mhd_lazy.stop_daemon = mhd_lazy_sym(h, "MHD_stop_daemon");
    *(void **)&mhd_lazy.lookup_connection_value = mhd_lazy_sym(h, "MHD_lookup_connection_value");
    *(void **)&mhd_lazy.queue_response = mhd_lazy_sym(h, "MHD_queue_response");
    *(void **)&mhd_lazy.create_response_from_buffer =
        mhd_lazy_sym(h, "MHD_create_response_from_buffer");
    *(void **)&mhd_lazy.destroy_response = mhd_lazy_sym(h, "MHD_destroy_response");
    *(void **)&mhd_lazy.add_response_header = mhd_lazy_sym(h, "MHD_add_response_header");
    *(void **)&mhd_lazy.get_connection_info = mhd_lazy_sym(h, "MHD_get_connection_info");
    *(void **)&mhd_lazy.add_connection = mhd_lazy_sym(h, "MHD_add_connection");
    mhd_lazy_ok = mhd_lazy.get_connection_info && mhd_lazy.add_connection &&
                  mhd_lazy.start_daemon_va && mhd_lazy.stop_daemon &&
                  mhd_lazy.lookup_connection_value && mhd_lazy.queue_response &&
                  mhd_lazy.create_response_from_buffer && mhd_lazy.destroy_response &&
                  mhd_lazy.add_response_header;
}

#define MHD_LAZY() pthread_once(&mhd_lazy_once, mhd_lazy_open)

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                 MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    MHD_LAZY();
    if (!mhd_lazy_ok)
        return NULL;
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = mhd_lazy.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void
MHD_stop_daemon(struct MHD_Daemon *daemon)
{
    MHD_LAZY();
    mhd_lazy.stop_daemon(daemon);
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                            const char *key)
{
    MHD_LAZY();
    return mhd_lazy.lookup_connection_value(connection, kind, key);
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                   struct MHD_Response *response)
{
    MHD_LAZY();
    return mhd_lazy.queue_response(connection, status_code, response);
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
    MHD_LAZY();
    return mhd_lazy.create_response_from_buffer(size, buffer, mode);
}

void
MHD_destroy_response(struct MHD_Response *response)
{
    MHD_LAZY();
    mhd_lazy.destroy_response(response);
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *response, const char *header, const char *content)
{
    MHD_LAZY();
    return mhd_lazy.add_response_header(response, header, content);
}

/* Variadic in its declaration, but no information type of libmicrohttpd
 * 0.9.x reads more arguments (common/httpguard.c asks for
 * MHD_CONNECTION_INFO_SOCKET_CONTEXT and _CONNECTION_FD): none are passed. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type,
                        ...)
{
    MHD_LAZY();
    return mhd_lazy.get_connection_info(connection, info_type);
}

/* The gate of common/httpguard.c hands each connection over with it. */
enum MHD_Result
MHD_add_connection(struct MHD_Daemon *daemon, MHD_socket client_socket, const struct sockaddr *addr,
                   socklen_t addrlen)
{
    MHD_LAZY();
    return mhd_lazy.add_connection(daemon, client_socket, addr, addrlen);
}
