# ftgo broker end to end with kcat: round trips, restart, bad frames, signals.
add_test(NAME e2e_broker COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_broker.py)
set_tests_properties(e2e_broker PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
