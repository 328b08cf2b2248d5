# ftgo publish / tail / topics / groups against `ftgo broker`, cross-checked with kcat.
add_test(NAME e2e_events COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_events.py)
set_tests_properties(e2e_events PROPERTIES LABELS e2e TIMEOUT 900 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
