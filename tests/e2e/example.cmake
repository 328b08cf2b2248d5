add_test(NAME e2e_example COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider -x
         ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_example.py)
set_tests_properties(e2e_example PROPERTIES LABELS "e2e;example" TIMEOUT 1800
                     ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
