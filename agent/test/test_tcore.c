/*
 * test_tcore - which families a core zone's metric port may not serve: the
 * agent's own in an instance scrape (tcore_agent_family(), tcore.h). Names
 * from the reference (sections 2.1-2.9, 2.A.3: the meta block of each
 * collector) and from the plugin and zfs sections (2.8, 4).
 */
#include <string.h>

#include "cunit_main.h"
#include "tcore.h"

static void
test_agent_families(void)
{
    static const char *const agent[] = {
        "triton_core_metrics_available_boolean", /* triton_core's own meta block */
        "triton_core_metrics_cached_boolean",
        "triton_core_metrics_timer_seconds",
        "tcp_metrics_available_boolean",
        "tcp_failed_connection_attempt_count",  /* cmon spelling */
        "tcp_failed_connection_attempts_total", /* prometheus spelling */
        "zone_vfs_metrics_timer_seconds",
        "time_of_day",
        "zfs_used", /* run-time names: the whole prefix */
        "zfs_anything_new",
        "plugin_disk_used",
        "plugin_x_metrics_available_boolean",
    };
    for (size_t i = 0; i < sizeof(agent) / sizeof(agent[0]); i++) {
        if (!tcore_agent_family(agent[i]))
            fprintf(stderr, "\nnot the agent's: %s\n", agent[i]);
        CU_ASSERT_TRUE(tcore_agent_family(agent[i]));
    }
    static const char *const service[] = {"http_requests_completed",
                                          "http_request_duration_seconds",
                                          "process_fds",
                                          "tcp_connections_of_my_service",
                                          "triton_core_custom",
                                          "zfsx",
                                          "plugins_total",
                                          "time"};
    for (size_t i = 0; i < sizeof(service) / sizeof(service[0]); i++) {
        if (tcore_agent_family(service[i]))
            fprintf(stderr, "\nthe agent's?: %s\n", service[i]);
        CU_ASSERT_FALSE(tcore_agent_family(service[i]));
    }
}

static const CU_TestInfo tests[] = {
    {"the agent's own families are refused from a port", test_agent_families},
    CU_TEST_INFO_NULL,
};

int
main(int argc, char **argv)
{
    return cunit_main(argc, argv, "agent_tcore", tests);
}
