# cmake -DPROGRAM=path [-DARGS="a;b"] -P RunAndCheckResult.cmake
# Runs PROGRAM, echoes its output, fails unless it exits 0 and its last line reads
# `result: key=value ...` with at least one pair.
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${args} OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
message("${out}")
if(err)
  message("${err}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}")
endif()
string(STRIP "${out}" stripped)
string(REGEX MATCH "[^\n]*$" last "${stripped}")
if(NOT last MATCHES "^result:( [A-Za-z0-9_]+=[^ ]+)+$")
  message(FATAL_ERROR "last line is not `result: key=value ...`: '${last}'")
endif()
