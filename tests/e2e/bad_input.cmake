# Bad input across every verb: each gets a clear error naming what and where, loses nothing.
add_test(NAME e2e_bad_input COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_bad_input.py)
set_tests_properties(e2e_bad_input PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
