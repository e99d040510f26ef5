# cmake -DPROGRAM=... -DMINIMUM=N -P CountTestCases.cmake: fails unless PROGRAM lists >= N tests.
execute_process(COMMAND ${PROGRAM} --list-test-names-only OUTPUT_VARIABLE out RESULT_VARIABLE rc)
string(REGEX MATCHALL "[^\n]+" names "${out}")
list(LENGTH names count)
message("${PROGRAM} lists ${count} test cases (minimum ${MINIMUM})")
if(count LESS MINIMUM)
  message(FATAL_ERROR "only ${count} test cases registered, expected at least ${MINIMUM}")
endif()
