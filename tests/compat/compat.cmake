# Compatibility suite: real Kafka clients against `ftgo broker` (label compat).
# scripts/install-compat.sh installs kafkajs (npm) and builds the Java driver (Maven) first;
# tests/compat/conftest.py says how to point the suite at another broker.
add_executable(compat_rdkafka_driver ${CMAKE_CURRENT_LIST_DIR}/cpp/rdkafka_driver.cpp)
target_link_libraries(compat_rdkafka_driver PRIVATE PkgConfig::RDKAFKA nlohmann_json::nlohmann_json)

# One CTest test per case file (the group cases one per client), so ctest -j2 spreads them.
# Each entry: NAME|FILE|PYTEST-ARGS (`;` inside args is not allowed; use spaces).
set(FTGO_COMPAT_CASES)

foreach(entry ${FTGO_COMPAT_CASES})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  list(LENGTH parts n)
  set(extra)
  if(n GREATER 2)
    list(GET parts 2 extra_text)
    separate_arguments(extra UNIX_COMMAND "${extra_text}")
  endif()
  add_test(NAME compat_${name}
    COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_LIST_DIR}/${file} ${extra})
  set_tests_properties(compat_${name} PROPERTIES LABELS compat TIMEOUT 600 ENVIRONMENT
    "FTGO_BIN=$<TARGET_FILE:ftgo>;FTGO_COMPAT_RDKAFKA_DRIVER=$<TARGET_FILE:compat_rdkafka_driver>;FTGO_COMPAT_REQUIRE=1")
endforeach()
