# cmon-proxy's inventory (src/inventory.h): instances and compute nodes
# learnt from the control plane, a thread following its change feed.
# Included by proxy/CMakeLists.txt.
pkg_check_modules(PROXYINV_DEPS REQUIRED IMPORTED_TARGET jansson)
find_package(Threads REQUIRED)

add_library(cmonproxy_inventory STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/src/inventory.c
  ${CMAKE_CURRENT_SOURCE_DIR}/src/inv_store.c
  ${CMAKE_CURRENT_SOURCE_DIR}/src/inv_parse.c)
target_include_directories(cmonproxy_inventory PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
target_link_libraries(cmonproxy_inventory PUBLIC cmoncommon_fetch cmoncommon_expo
                      PkgConfig::PROXYINV_DEPS Threads::Threads)

# Tests: a control plane of the test's own (libmicrohttpd) serving what the
# test builds and changes.
pkg_check_modules(PROXYINV_MHD REQUIRED IMPORTED_TARGET libmicrohttpd)
add_executable(test_proxy_inventory ${CMAKE_CURRENT_SOURCE_DIR}/test/test_inventory.c
                                    ${CMAKE_CURRENT_SOURCE_DIR}/test/cplane_fixture.c)
target_link_libraries(test_proxy_inventory PRIVATE cmonproxy_inventory cmoncommon_cunit
                      PkgConfig::PROXYINV_MHD)
add_test(NAME proxy_inventory COMMAND test_proxy_inventory)
set_tests_properties(proxy_inventory PROPERTIES TIMEOUT 120 LABELS proxy)

# The store alone (no HTTP): layout, hashing, rendering.
add_executable(test_proxy_inv_store ${CMAKE_CURRENT_SOURCE_DIR}/test/test_inv_store.c)
target_link_libraries(test_proxy_inv_store PRIVATE cmonproxy_inventory cmoncommon_cunit)
add_test(NAME proxy_inv_store COMMAND test_proxy_inv_store)
set_tests_properties(proxy_inv_store PROPERTIES TIMEOUT 120 LABELS proxy)

# Figures (not a test): discovery render time, memory per instance, feed apply rate.
add_executable(bench-proxy-inventory ${CMAKE_CURRENT_SOURCE_DIR}/bench/inventory_bench.c
                                     ${CMAKE_CURRENT_SOURCE_DIR}/test/cplane_fixture.c)
target_include_directories(bench-proxy-inventory PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/test)
target_link_libraries(bench-proxy-inventory PRIVATE cmonproxy_inventory PkgConfig::PROXYINV_MHD)
cmon_tool(bench-proxy-inventory)
