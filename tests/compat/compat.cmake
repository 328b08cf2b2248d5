# Compatibility suite: real Kafka clients against `ftgo broker` (label compat).
# scripts/install-compat.sh installs kafkajs (npm), builds the Java driver (Maven) and the
# Go driver (tests/compat/go: franz-go, sarama) and fetches Kafka's command-line tools (Maven) first;
# tests/compat/conftest.py says how to point the suite at another broker.
add_executable(compat_rdkafka_driver ${CMAKE_CURRENT_LIST_DIR}/cpp/rdkafka_driver.cpp)
target_link_libraries(compat_rdkafka_driver PRIVATE PkgConfig::RDKAFKA nlohmann_json::nlohmann_json)

# One CTest test per case file (the group cases one per client), so ctest -j2 spreads them.
# Each entry: NAME|PYTEST-TARGET|EXTRA-PYTEST-ARGS (no `;` inside; args split at spaces).
set(g test_groups.py::test_group_of_three_over_six_partitions)
set(FTGO_COMPAT_CASES
  "roundtrip|test_roundtrip.py"
  "compression|test_compression.py"
  "offsets|test_offsets.py"
  "compressed_lookup|test_compressed_lookup.py"
  "extras|test_extras.py"
  "admin|test_admin.py"
  "idempotence|test_idempotence.py"
  "durability|test_durability.py"
  "retention|test_retention.py"
  "offsets_retention|test_offsets_retention.py"
  "compaction|test_compaction.py"
  "compaction_crash|test_cleaner_crash.py"
  "kafka_tools|test_kafka_tools.py"
  "streams|test_streams.py"
  "transactions|test_transactions.py"
  "transactions_tool|test_transactions_tool.py"
  "groups_confluent|${g}[confluent]"
  "groups_kafka_python|${g}[kafka-python]"
  "groups_java|${g}[java]"
  "groups_kafkajs|${g}[kafkajs]"
  "groups_franz_go|${g}[franz-go]"
  "groups_sarama|${g}[sarama]"
  "go_clients|test_go_clients.py"
  "groups_mixed|test_groups.py::test_members_of_different_clients_share_one_group"
  "groups_static|test_groups.py::test_static_member_restart_keeps_its_partitions"
  "fetch_sessions_wire|test_fetch_sessions.py::test_session_rules_on_the_wire"
  "fetch_sessions_java|test_fetch_sessions.py::test_java_consumers_over_sixty_partitions")

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
# About 40 JVM starts: 150 s on a quiet machine, 350 s with the CPU busy (four CPU hogs
# alongside ctest -j2), more under the sanitizers; 600 s is too close.
set_tests_properties(compat_kafka_tools PROPERTIES TIMEOUT 1200)
