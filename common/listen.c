/* listen - listen addresses as Prometheus exporters write them (listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "0" to "65535", digits only. 0 or -1. */
static int
listen_port(const char *s, unsigned *port)
{
    unsigned long v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
        return -1;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    if (v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* A host name as DNS and /etc/hosts write them: letters, digits, '-', '_', '.'. */
static int
listen_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return 0;
    return 1;
}

static void
listen_set_port(cmon_listen_t *out)
{
    if (out->cl_addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&out->cl_addr)->sin6_port = htons((uint16_t)out->cl_port);
    else
        ((struct sockaddr_in *)&out->cl_addr)->sin_port = htons((uint16_t)out->cl_port);
}

/* ":PORT": the IPv6 wildcard where the kernel has IPv6, else the IPv4 one. */
static void
listen_any(cmon_listen_t *out)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        close(fd);
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->cl_addr;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        out->cl_addrlen = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&out->cl_addr;
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        out->cl_addrlen = sizeof(*a4);
    }
    out->cl_any = 1;
}

/* A literal address of family af into out. 0, or -1 if host is not one. */
static int
listen_literal(const char *host, int af, cmon_listen_t *out)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&out->cl_addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->cl_addr;
    if (af == AF_INET && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        out->cl_addrlen = sizeof(*a4);
        return 0;
    }
    if (af == AF_INET6 && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        out->cl_addrlen = sizeof(*a6);
        return 0;
    }
    return -1;
}

/* A host name: its first IPv4 address, else its first IPv6 one. 0 or -1. */
static int
listen_resolve(const char *host, cmon_listen_t *out, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve host \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    const struct addrinfo *pick = NULL;
    for (const struct addrinfo *ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
        if (ai->ai_family == AF_INET)
            pick = ai;
    for (const struct addrinfo *ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
        if (ai->ai_family == AF_INET6)
            pick = ai;
    if (pick != NULL) {
        memcpy(&out->cl_addr, pick->ai_addr, pick->ai_addrlen);
        out->cl_addrlen = pick->ai_addrlen;
    } else {
        snprintf(err, errlen, "host \"%s\" has no IPv4 or IPv6 address", host);
    }
    freeaddrinfo(res);
    return pick != NULL ? 0 : -1;
}

/* Splits spec into host (brackets removed) and port. 0, or -1 with err. */
static int
listen_split(const char *spec, cmon_listen_t *out, int *bracketed, char *err, size_t errlen)
{
    const char *colon = strrchr(spec, ':');
    if (colon == NULL) {
        snprintf(err, errlen, "no port in \"%s\": want ADDR:PORT, HOST:PORT or :PORT", spec);
        return -1;
    }
    const char *h = spec;
    size_t n = (size_t)(colon - spec);
    *bracketed = n >= 2 && h[0] == '[' && h[n - 1] == ']';
    if (*bracketed) {
        h++;
        n -= 2;
    }
    if (n >= sizeof(out->cl_host)) {
        snprintf(err, errlen, "host too long in \"%.64s...\"", spec);
        return -1;
    }
    memcpy(out->cl_host, h, n);
    out->cl_host[n] = '\0';
    if (listen_port(colon + 1, &out->cl_port) != 0) {
        snprintf(err, errlen, "bad port \"%s\" in \"%s\": want 0 to 65535", colon + 1, spec);
        return -1;
    }
    return 0;
}

int
cmon_listen_parse(const char *spec, cmon_listen_t *out, char *err, size_t errlen)
{
    int bracketed;
    memset(out, 0, sizeof(*out));
    if (listen_split(spec, out, &bracketed, err, errlen) != 0)
        return -1;
    const char *host = out->cl_host;
    if (host[0] == '\0' && !bracketed)
        listen_any(out);
    else if (bracketed && listen_literal(host, AF_INET6, out) != 0) {
        snprintf(err, errlen, "\"%s\" in brackets is not an IPv6 address", host);
        return -1;
    } else if (!bracketed && strchr(host, ':') != NULL) {
        snprintf(err, errlen, "an IPv6 address goes in brackets: [%s]:%u", host, out->cl_port);
        return -1;
    } else if (!bracketed && listen_literal(host, AF_INET, out) != 0) {
        if (!listen_name_ok(host)) {
            snprintf(err, errlen, "\"%s\" is not an IP address or a host name", host);
            return -1;
        }
        if (listen_resolve(host, out, err, errlen) != 0)
            return -1;
    }
    listen_set_port(out);
    return 0;
}

char *
cmon_listen_format(const struct sockaddr *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%u", host, ntohs(a6->sin6_port));
    } else {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%u", host, ntohs(a4->sin_port));
    }
    return buf;
}

int
cmon_listen_dual_stack(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

int
cmon_listen_free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int port = -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

int
cmon_listen_socket(const struct sockaddr *sa, int backlog)
{
    socklen_t len = sa->sa_family == AF_INET6  ? (socklen_t)sizeof(struct sockaddr_in6)
                    : sa->sa_family == AF_INET ? (socklen_t)sizeof(struct sockaddr_in)
                                               : 0;
    if (len == 0) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (sa->sa_family == AF_INET6) { /* only "::" takes IPv4 too */
        int v6only = !cmon_listen_dual_stack(sa);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
    }
    if (bind(fd, sa, len) != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
