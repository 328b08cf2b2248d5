add_test(NAME e2e_deploy COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_deploy.py)
set_tests_properties(e2e_deploy PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
add_test(NAME e2e_deploy_live COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_deploy_live.py)
set_tests_properties(e2e_deploy_live PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
