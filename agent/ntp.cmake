# The ntp collector of /v1/gz/metrics (reference 3.5): reading ntpq's output
# and the original's family tables need no kernel (cmon_agent_ntpparse, unit
# tested on text written from the reference); running ntpq once per TTL and
# holding its answer is part of the agent (src/ntp/ntp.c). Included from
# agent/CMakeLists.txt after gz.cmake.
add_library(cmon_agent_ntpparse STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/ntp/ntpq_parse.c
  ${CMAKE_CURRENT_LIST_DIR}/src/ntp/ntp_families.c)
target_link_libraries(cmon_agent_ntpparse PUBLIC cmonagent_core m)

add_executable(test_ntp ${CMAKE_CURRENT_LIST_DIR}/test/test_ntp.c)
target_sources(cmonagent_testlib PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test/golden_ntp.c)
target_link_libraries(test_ntp cmon_agent_ntpparse cmoncommon_cunit cmonagent_testlib)
if(TARGET cmonagent_kstat)
  target_link_libraries(test_ntp cmonagent_kstat) # ntp.c: running ntpq (scripts in the test)
endif()
add_test(NAME agent_ntp COMMAND test_ntp)

if(TARGET cmonagent_kstat)
  target_sources(cmonagent_kstat PRIVATE ${CMAKE_CURRENT_LIST_DIR}/src/ntp/ntp.c)
  target_link_libraries(cmonagent_kstat PUBLIC cmon_agent_ntpparse)
endif()
