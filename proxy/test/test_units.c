/* The proxy's pure parts: the Host rule, SNI, the throttle, error bodies. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "host.h"
#include "reply.h"
#include "throttle.h"

#define UUID "0a1b2c3d-0000-4000-8000-00000000abcd"

static void
test_host_rule(void)
{
    host_target_t t;
    CU_ASSERT_EQUAL(host_parse("cmon.cmon.test:9163", &t), HOST_CMON);
    CU_ASSERT_EQUAL(host_parse("CMON.cmon.test", &t), HOST_CMON);
    CU_ASSERT_EQUAL(host_parse("0A1B2C3D-0000-4000-8000-00000000ABCD.cmon.test:9163", &t),
                    HOST_UUID);
    CU_ASSERT_STRING_EQUAL(t.ht_uuid, UUID);
    CU_ASSERT_EQUAL(host_parse("www.cmon.test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("0a1b2c3d-0000-4000-8000-00000000abc.cmon.test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon..test", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon.te st", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("[::1]:9163", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("", &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse(NULL, &t), HOST_BAD);
    CU_ASSERT_EQUAL(host_parse("cmon", &t), HOST_CMON);
}

static void
test_host_sni(void)
{
    CU_ASSERT_TRUE(host_sni_agrees(NULL, "cmon.cmon.test:9163"));
    CU_ASSERT_TRUE(host_sni_agrees("", "cmon.cmon.test"));
    CU_ASSERT_TRUE(host_sni_agrees("CMON.cmon.test", "cmon.cmon.test:9163"));
    CU_ASSERT_TRUE(host_sni_agrees("cmon.cmon.test.", "cmon.cmon.test"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", UUID ".cmon.test:9163"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", "cmon.cmon.tes"));
    CU_ASSERT_FALSE(host_sni_agrees("cmon.cmon.test", NULL));
}

static void
test_throttle_bucket(void)
{
    throttle_t *t = throttle_new(2, 3, 10);
    unsigned wait = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    for (int i = 0; i < 3; i++)
        CU_ASSERT_TRUE(throttle_take(t, "a", 100.0, &wait));
    CU_ASSERT_FALSE(throttle_take(t, "a", 100.0, &wait));
    CU_ASSERT_EQUAL(wait, 1);
    CU_ASSERT_TRUE(throttle_take(t, "b", 100.0, &wait)); /* another account's own bucket */
    CU_ASSERT_TRUE(throttle_take(t, "a", 100.5, &wait)); /* 0.5 s at 2/s: one back */
    CU_ASSERT_FALSE(throttle_take(t, "a", 100.5, &wait));
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait)); /* refilled to the burst, not beyond */
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait));
    CU_ASSERT_TRUE(throttle_take(t, "a", 200.0, &wait));
    CU_ASSERT_FALSE(throttle_take(t, "a", 200.0, &wait));
    throttle_free(t);
    CU_ASSERT_PTR_NULL(throttle_new(0, 3, 10));
    CU_ASSERT_PTR_NULL(throttle_new(1, 0.5, 10));
}

static void
test_throttle_bounded(void)
{
    throttle_t *t = throttle_new(1, 2, 4);
    char key[16];
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof(key), "acct%d", i);
        CU_ASSERT_TRUE(throttle_take(t, key, 10.0, NULL));
    }
    CU_ASSERT_EQUAL(throttle_count(t), 4);
    /* full, every bucket in use: a fifth account is refused, the table does not grow */
    CU_ASSERT_FALSE(throttle_take(t, "acct4", 10.0, NULL));
    CU_ASSERT_EQUAL(throttle_count(t), 4);
    /* later, refilled buckets are forgotten to make room */
    CU_ASSERT_TRUE(throttle_take(t, "acct4", 20.0, NULL));
    CU_ASSERT_EQUAL(throttle_count(t), 1);
    throttle_free(t);
}

static void
test_error_json(void)
{
    size_t len;
    char *s = reply_error_json(429, "too \"many\"\n", &len);
    CU_ASSERT_STRING_EQUAL(
        s, "{\"code\":\"TooManyRequestsError\",\"message\":\"too \\\"many\\\"\\n\"}");
    CU_ASSERT_EQUAL(len, strlen(s));
    free(s);
    CU_ASSERT_STRING_EQUAL(reply_error_code(401), "UnauthorizedError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(404), "NotFoundError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(400), "BadRequestError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(504), "GatewayTimeoutError");
    CU_ASSERT_STRING_EQUAL(reply_error_code(418), "InternalServerError");
}

static CU_TestInfo tests[] = {
    {"host rule", test_host_rule},
    {"sni against host", test_host_sni},
    {"throttle bucket", test_throttle_bucket},
    {"throttle bounded", test_throttle_bounded},
    {"error json", test_error_json},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "proxy units", tests);
}
