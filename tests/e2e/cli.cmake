add_test(NAME e2e_cli COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_cli.py)
set_tests_properties(e2e_cli PROPERTIES LABELS e2e TIMEOUT 300 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
