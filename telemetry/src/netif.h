/* netif: the bind address from ContainerPilot interface specifications.
 *
 * The first spec that matches wins:
 *   "eth0", "eth0:inet"  first IPv4 address of interface eth0
 *   "eth0:inet6"         first IPv6 address of eth0 (link-local excluded)
 *   "inet", "inet6"      first address of that family on any interface,
 *                        loopback only if nothing else has one
 *   "10.0.0.0/16"        first interface IPv4 address inside the network
 *   "static:ADDR", "ADDR" that literal address (0.0.0.0 or :: for all)
 * ContainerPilot's default, used when `interfaces` is absent, is
 * ["eth0:inet", "inet"]. */
#ifndef TELEMETRY_NETIF_H
#define TELEMETRY_NETIF_H

#include <sys/socket.h>

/* netif_resolve: the address (port set to `port`) of the first matching
 * spec of the NULL-terminated list. Returns 0, or -1 with a message in err
 * (a malformed spec, or none matched). */
int netif_resolve(char *const *specs, int port, struct sockaddr_storage *out, socklen_t *outlen,
                  char *err, size_t errlen);

#endif
