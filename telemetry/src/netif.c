/* netif: interface specifications to a bind address (getifaddrs). */
#include "netif.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static socklen_t
netif_set(struct sockaddr_storage *out, const struct sockaddr *sa, int port)
{
    memset(out, 0, sizeof *out);
    socklen_t len =
        sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    memcpy(out, sa, len);
    if (sa->sa_family == AF_INET)
        ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
    return len;
}

/* A literal address: "static:ADDR" or "ADDR". */
static int
netif_literal(const char *spec, int port, struct sockaddr_storage *out, socklen_t *len)
{
    if (strncmp(spec, "static:", 7) == 0)
        spec += 7;
    struct sockaddr_storage ss = {0};
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, spec, &a4->sin_addr) == 1)
        a4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, spec, &a6->sin6_addr) == 1)
        a6->sin6_family = AF_INET6;
    else
        return -1;
    *len = netif_set(out, (struct sockaddr *)&ss, port);
    return 0;
}

static bool
netif_in_cidr(const struct sockaddr *sa, const struct in_addr *net, int bits)
{
    if (sa->sa_family != AF_INET)
        return false;
    uint32_t mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
    uint32_t a = ((const struct sockaddr_in *)sa)->sin_addr.s_addr;
    return (a & mask) == (net->s_addr & mask);
}

/* Whether interface address ifa matches spec; loopback_pass: whether
 * loopback interfaces are allowed for the family-only specs. */
static bool
netif_match(const struct ifaddrs *ifa, const char *spec, bool loopback_pass)
{
    const struct sockaddr *sa = ifa->ifa_addr;
    if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return false;
    if (sa->sa_family == AF_INET6 &&
        IN6_IS_ADDR_LINKLOCAL(&((const struct sockaddr_in6 *)sa)->sin6_addr))
        return false;
    bool loop = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
    const char *slash = strchr(spec, '/');
    if (slash != NULL) {
        char net[64];
        snprintf(net, sizeof net, "%.*s", (int)(slash - spec), spec);
        struct in_addr a;
        int bits = atoi(slash + 1);
        return inet_pton(AF_INET, net, &a) == 1 && bits >= 0 && bits <= 32 &&
               netif_in_cidr(sa, &a, bits);
    }
    int fam = AF_INET;
    const char *colon = strchr(spec, ':');
    size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (colon != NULL && strcmp(colon + 1, "inet6") == 0)
        fam = AF_INET6;
    if (strcmp(spec, "inet") == 0 || strcmp(spec, "inet6") == 0)
        return sa->sa_family == (spec[4] ? AF_INET6 : AF_INET) && (loopback_pass || !loop);
    return sa->sa_family == fam && strlen(ifa->ifa_name) == nlen &&
           strncmp(ifa->ifa_name, spec, nlen) == 0;
}

static int
netif_one(const struct ifaddrs *list, const char *spec, int port, struct sockaddr_storage *out,
          socklen_t *len)
{
    if (netif_literal(spec, port, out, len) == 0)
        return 0;
    for (int pass = 0; pass < 2; pass++)
        for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
            if ((ifa->ifa_flags & IFF_UP) && netif_match(ifa, spec, pass == 1)) {
                *len = netif_set(out, ifa->ifa_addr, port);
                return 0;
            }
    return -1;
}

int
netif_resolve(char *const *specs, int port, struct sockaddr_storage *out, socklen_t *outlen,
              char *err, size_t errlen)
{
    struct ifaddrs *list = NULL;
    err[0] = 0;
    if (getifaddrs(&list) != 0)
        list = NULL;
    int rc = -1;
    for (size_t k = 0; specs[k] != NULL && rc != 0; k++) {
        if (strncmp(specs[k], "static:", 7) == 0 &&
            netif_literal(specs[k], port, out, outlen) != 0) {
            snprintf(err, errlen, "interface spec \"%s\" is not an address", specs[k]);
            break;
        }
        rc = netif_one(list, specs[k], port, out, outlen);
    }
    if (rc != 0 && specs[0] != NULL && err[0] == 0)
        snprintf(err, errlen, "no interface matches \"%s\"%s", specs[0],
                 specs[1] != NULL ? " or the other interface specs" : "");
    else if (rc != 0 && specs[0] == NULL)
        snprintf(err, errlen, "no interface specs");
    freeifaddrs(list);
    return rc;
}
