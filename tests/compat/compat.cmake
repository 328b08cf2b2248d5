# Compatibility suite: real Kafka clients against `ftgo broker` (label compat).
# scripts/install-compat.sh installs kafkajs (npm) and builds the Java driver (Maven) first.
add_executable(compat_rdkafka_driver ${CMAKE_CURRENT_LIST_DIR}/cpp/rdkafka_driver.cpp)
target_link_libraries(compat_rdkafka_driver PRIVATE PkgConfig::RDKAFKA nlohmann_json::nlohmann_json)
