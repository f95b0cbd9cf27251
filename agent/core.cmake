# Core zones: the triton_core collector (agent/src/core/). Included from
# agent/CMakeLists.txt, after gz.cmake, so this part's build stays out of the
# shared file.

# What needs no kernel: a metric port's text into families, parallel GETs
# under one deadline (the VM records are the agent's vminfo cache's).
add_library(cmon_agent_coretext STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/core/coretext.c
  ${CMAKE_CURRENT_LIST_DIR}/src/core/corefetch.c)
target_link_libraries(cmon_agent_coretext PUBLIC cmonagent_core CURL::libcurl
                      PkgConfig::AGENT_OPTS Threads::Threads)

add_executable(test_agent_coretext ${CMAKE_CURRENT_LIST_DIR}/test/test_coretext.c)
target_link_libraries(test_agent_coretext cmon_agent_coretext cmonagent_vminfo cmoncommon_cunit)
add_test(NAME agent_coretext COMMAND test_agent_coretext)
set_tests_properties(agent_coretext PROPERTIES TIMEOUT 120)

# The collector inside cmon-agent.
if(TARGET cmonagent_kstat)
  target_sources(cmonagent_kstat PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/core/tcore.c)
  target_link_libraries(cmonagent_kstat PUBLIC cmon_agent_coretext)
endif()

# End to end: cmon-sim serve --core-zones and the agent (test/test_core_e2e.c).
if(TARGET cmon-agent AND TARGET cmonsim_cmd)
  add_executable(test_core_e2e ${CMAKE_CURRENT_LIST_DIR}/test/test_core_e2e.c)
  target_link_libraries(test_core_e2e cmoncommon cmonagent_testlib)
  add_test(NAME agent_core_e2e COMMAND test_core_e2e ${CMON_BIN_DIR})
  set_tests_properties(agent_core_e2e PROPERTIES TIMEOUT 120)
endif()

# The test makes timerfd_create fail on demand (corefetch's fallback deadline).
target_link_options(test_agent_coretext PRIVATE -Wl,--wrap=timerfd_create)

# Which families a port may not serve: the agent's own (tcore_agent_family()).
if(TARGET cmonagent_kstat)
  add_executable(test_agent_tcore ${CMAKE_CURRENT_LIST_DIR}/test/test_tcore.c)
  target_link_libraries(test_agent_tcore cmonagent_kstat cmoncommon_cunit)
  add_test(NAME agent_tcore COMMAND test_agent_tcore)
endif()
