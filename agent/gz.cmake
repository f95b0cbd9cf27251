# The compute node's own metrics, ZFS, plugins and discovery (issue 7).
# Included from agent/CMakeLists.txt; keeps this part's build out of the
# shared file so the two grow without stepping on each other.
pkg_check_modules(GZ_JANSSON REQUIRED IMPORTED_TARGET jansson)

add_library(cmon_agent_plugin STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/plugins/plugin_dir.c
  ${CMAKE_CURRENT_LIST_DIR}/src/plugins/plugin_run.c
  ${CMAKE_CURRENT_LIST_DIR}/src/plugins/plugin_output.c)
target_link_libraries(cmon_agent_plugin PUBLIC cmonagent_base cmoncommon PkgConfig::GZ_JANSSON m)
target_include_directories(cmon_agent_plugin PUBLIC ${AGENT_INCLUDE})

add_executable(test_plugin ${CMAKE_CURRENT_LIST_DIR}/test/test_plugin.c)
target_link_libraries(test_plugin cmon_agent_plugin cmoncommon_cunit)
add_test(NAME agent_plugin COMMAND test_plugin)
set_tests_properties(agent_plugin PROPERTIES TIMEOUT 120)

# What needs no kernel: the TTL cache and plugin output into families.
add_library(cmon_agent_gzcore STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/cache/ttlcache.c
  ${CMAKE_CURRENT_LIST_DIR}/src/plugins/plugin_famset.c)
target_link_libraries(cmon_agent_gzcore PUBLIC cmonagent_core cmon_agent_plugin)

add_executable(test_gzcore ${CMAKE_CURRENT_LIST_DIR}/test/test_gzcore.c)
target_link_libraries(test_gzcore cmon_agent_gzcore cmoncommon_cunit)
add_test(NAME agent_gzcore COMMAND test_gzcore)

add_library(cmon_agent_discover STATIC ${CMAKE_CURRENT_LIST_DIR}/src/discover/discover.c)
find_package(Threads REQUIRED)
target_link_libraries(cmon_agent_discover PUBLIC cmonagent_base PkgConfig::GZ_JANSSON Threads::Threads)
target_include_directories(cmon_agent_discover PUBLIC ${AGENT_INCLUDE})

add_executable(test_discover ${CMAKE_CURRENT_LIST_DIR}/test/test_discover.c)
target_link_libraries(test_discover cmon_agent_discover cmoncommon_cunit)
add_test(NAME agent_discover COMMAND test_discover)

# The gz part inside cmon-agent: collectors, zfs, plugins, discovery, routes.
if(TARGET cmonagent_kstat AND TARGET zfs AND TARGET zonecfg)
  target_sources(cmonagent_kstat PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_cpu.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_cpu_info.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_arcstats.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_zpool.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_zones.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/collectors_gz.c
    ${CMAKE_CURRENT_LIST_DIR}/src/collectors/coll_zfs.c
    ${CMAKE_CURRENT_LIST_DIR}/src/plugins/plugins.c
    ${CMAKE_CURRENT_LIST_DIR}/src/scrape/gz.c
    ${CMAKE_CURRENT_LIST_DIR}/src/discover/discover_alias.c
    ${CMAKE_CURRENT_LIST_DIR}/src/http/routes_gz.c)
  target_link_libraries(cmonagent_kstat PUBLIC zfs zonecfg cmon_agent_gzcore cmon_agent_discover)

  # The aliases discovery reads through libzonecfg, against worlds built in the test.
  if(TARGET cmonworld)
    add_executable(test_discover_alias ${CMAKE_CURRENT_LIST_DIR}/test/test_discover_alias.c)
    target_link_libraries(test_discover_alias cmonagent_kstat cmonworld cmoncommon_cunit)
    add_test(NAME agent_discover_alias COMMAND test_discover_alias)
  endif()
endif()

# End to end: the gz endpoints against a world (bad input included), and
# Debian's stock Prometheus scraping two simulated compute nodes.
if(TARGET cmon-agent AND TARGET cmonsim_cmd AND TARGET cmonworld_zfs)
  add_executable(test_gz_e2e ${CMAKE_CURRENT_LIST_DIR}/test/test_gz_e2e.c)
  target_link_libraries(test_gz_e2e cmonworld_zfs cmonworld_ntp cmoncommon cmonagent_testlib
                        PkgConfig::GZ_JANSSON m)
  add_test(NAME agent_gz_e2e COMMAND test_gz_e2e ${CMON_BIN_DIR} /usr/bin/promtool)
  set_tests_properties(agent_gz_e2e PROPERTIES TIMEOUT 300)

  add_executable(test_prometheus_e2e ${CMAKE_CURRENT_LIST_DIR}/test/test_prometheus_e2e.c)
  target_link_libraries(test_prometheus_e2e cmonworld cmoncommon cmonagent_testlib
                        PkgConfig::GZ_JANSSON m)
  add_test(NAME agent_prometheus_e2e
           COMMAND test_prometheus_e2e ${CMON_BIN_DIR} /usr/bin/prometheus)
  set_tests_properties(agent_prometheus_e2e PROPERTIES TIMEOUT 700 LABELS noasan)
  # The same with --metric-names prometheus, 20 zones a node: its _total names are stored.
  add_test(NAME agent_prometheus_e2e_names
           COMMAND test_prometheus_e2e ${CMON_BIN_DIR} /usr/bin/prometheus prometheus)
  set_tests_properties(agent_prometheus_e2e_names PROPERTIES TIMEOUT 300 LABELS noasan)
endif()

# Benchmark of the gz endpoints (agent/README.gz.md); not a test.
add_executable(bench_gz ${CMAKE_CURRENT_LIST_DIR}/bench/bench_gz.c)
cmon_tool(bench_gz)
target_link_libraries(bench_gz cmoncommon)

# Debian's Prometheus storing the agent's own metrics under the original's
# series names (agent/README.md, "The agent's own metrics").
if(TARGET cmon-agent AND TARGET cmonsim_cmd)
  add_test(NAME agent_prometheus_own
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test/prom_own.sh ${CMON_BIN_DIR}
           ${CMAKE_SOURCE_DIR} /usr/bin/prometheus)
  set_tests_properties(agent_prometheus_own PROPERTIES TIMEOUT 120 LABELS noasan)
endif()
