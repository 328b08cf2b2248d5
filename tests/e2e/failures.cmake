# Failures once things run: undefined template values, a broker going away under tail and publish, port: auto races.
add_test(NAME e2e_failures COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_failures.py)
set_tests_properties(e2e_failures PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
