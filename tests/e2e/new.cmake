# `ftgo new` / `ftgo templates`: bad inputs and generation (fast), and each
# built-in template generated, built and tested with its own pipeline (slow).
add_test(NAME e2e_new COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_new.py)
set_tests_properties(e2e_new PROPERTIES LABELS e2e TIMEOUT 300 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
add_test(NAME e2e_new_services COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_new_services.py)
set_tests_properties(e2e_new_services PROPERTIES LABELS e2e TIMEOUT 900 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
