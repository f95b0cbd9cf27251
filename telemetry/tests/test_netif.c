/* CUnit: interface specifications to bind addresses. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cunit_main.h"
#include "netif.h"

static int
resolve(char **specs, char *host, int *port, char *err)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (netif_resolve(specs, 9090, &ss, &len, err, 256) != 0)
        return -1;
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, 64);
        *port = ntohs(a->sin_port);
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, 64);
        *port = ntohs(a->sin6_port);
    }
    return 0;
}

static void
test_specs(void)
{
    char host[64], err[256];
    int port;
    char *lit[] = {"static:127.0.0.1", NULL};
    CU_ASSERT_EQUAL(resolve(lit, host, &port, err), 0);
    CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
    CU_ASSERT_EQUAL(port, 9090);
    char *v6[] = {"::1", NULL};
    CU_ASSERT_EQUAL(resolve(v6, host, &port, err), 0);
    CU_ASSERT_STRING_EQUAL(host, "::1");
    char *lo[] = {"nosuchif0:inet", "lo", NULL}; /* first match wins */
    CU_ASSERT_EQUAL(resolve(lo, host, &port, err), 0);
    CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
    char *cidr[] = {"127.0.0.0/8", NULL};
    CU_ASSERT_EQUAL(resolve(cidr, host, &port, err), 0);
    CU_ASSERT_STRING_EQUAL(host, "127.0.0.1");
    char *inet[] = {"inet", NULL}; /* some IPv4 address, loopback at worst */
    CU_ASSERT_EQUAL(resolve(inet, host, &port, err), 0);
    char *none[] = {"nosuchif0", "10.255.255.0/30", NULL};
    CU_ASSERT_EQUAL(resolve(none, host, &port, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no interface matches \"nosuchif0\""));
    char *bad[] = {"static:not-an-ip", NULL};
    CU_ASSERT_EQUAL(resolve(bad, host, &port, err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an address"));
}

static const CU_TestInfo tests[] = {
    {"specs", test_specs},
    {NULL, NULL},
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "netif", tests);
}
