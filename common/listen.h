/*
 * listen - the address an HTTP server listens on, written as Prometheus
 * exporters take their --web.listen-address:
 *
 *   ":PORT"            every address: one IPv6 socket that takes IPv4 too
 *                      (dual stack) where the kernel has IPv6, else every
 *                      IPv4 address (Go's net.Listen does the same)
 *   "HOST:PORT"        a host name, "localhost" among them, resolved once:
 *                      its first IPv4 address, else its first IPv6 one
 *                      (again as Go's net.Listen picks)
 *   "ADDR:PORT"        an IPv4 literal; "[ADDR6]:PORT" an IPv6 literal
 *
 * PORT is 0 to 65535; 0 lets the kernel pick a free port. Everything here
 * is free of any one server: the agent and cmon-telemetry both parse with it.
 */
#ifndef CMON_LISTEN_H
#define CMON_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

#define CMON_LISTEN_HOST_MAX 256

typedef struct cmon_listen {
    struct sockaddr_storage cl_addr;    /* the socket address, port set */
    socklen_t cl_addrlen;               /* its length */
    int cl_any;                         /* 1: ":PORT", every address */
    char cl_host[CMON_LISTEN_HOST_MAX]; /* host as written, no brackets; "" for ":PORT" */
    unsigned cl_port;                   /* the port as written (0: any free one) */
} cmon_listen_t;

/*
 * cmon_listen_parse() - reads spec into *out. Returns 0, or -1 with a
 * one-line message in err saying what is wrong ("no port in \"x\"",
 * "cannot resolve host \"h\": ..."); *out is then unspecified. Names are
 * resolved with getaddrinfo(), so a name may cost a DNS lookup.
 */
int cmon_listen_parse(const char *spec, cmon_listen_t *out, char *err, size_t errlen);

/*
 * cmon_listen_format() - writes "ADDR:PORT" (IPv4) or "[ADDR6]:PORT" of a
 * socket address into buf, always NUL-terminated. Returns buf.
 */
char *cmon_listen_format(const struct sockaddr *sa, char *buf, size_t len);

/*
 * cmon_listen_dual_stack() - 1 when sa is the IPv6 wildcard (::), whose
 * socket should have IPV6_V6ONLY off to take IPv4 as well; else 0.
 */
int cmon_listen_dual_stack(const struct sockaddr *sa);

/*
 * cmon_listen_free_port() - a loopback TCP port free right now: the port the
 * kernel gives a socket bound to 127.0.0.1:0, closed again before it returns
 * (so another process may take it first: tests retry or pass it on at once).
 * The port, or -1 with errno set.
 */
int cmon_listen_free_port(void);

/*
 * cmon_listen_socket() - a listening TCP socket on sa (IPv4 or IPv6; the
 * IPv6 wildcard dual stack, any other IPv6 address IPv6 only), non-blocking,
 * close-on-exec, SO_REUSEADDR, with backlog. The descriptor, or -1 with
 * errno (EAFNOSUPPORT for another family, else the failing call's).
 */
int cmon_listen_socket(const struct sockaddr *sa, int backlog);

#endif /* CMON_LISTEN_H */
