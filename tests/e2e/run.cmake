# `ftgo run` end-to-end suites: real processes, the embedded broker as kafka.
foreach(suite run_basic run_control)
  add_test(NAME e2e_${suite}
           COMMAND ${FTGO_PYTHON} -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e/test_${suite}.py)
  set_tests_properties(e2e_${suite} PROPERTIES LABELS e2e TIMEOUT 600 ENVIRONMENT "FTGO_BIN=$<TARGET_FILE:ftgo>")
endforeach()
