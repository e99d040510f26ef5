# Settings for ctnn's own targets (tests, examples, benchmarks); never in ctnn's usage
# requirements. `ctnn_project_options` is linked by every project target.
add_library(ctnn_project_options INTERFACE)
target_compile_options(ctnn_project_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Werror -Wno-error=deprecated-declarations>
  # GCC 12 false positive in std::string at -O3 (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
if(CTNN_SANITIZE)
  target_compile_options(ctnn_project_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(ctnn_project_options INTERFACE -fsanitize=address,undefined)
endif()

find_program(CTNN_CCACHE ccache)
if(CTNN_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CTNN_CCACHE} CACHE STRING "compiler launcher")
endif()

# Runs a built program under CTest and checks that its last line is `result: key=value ...`.
function(ctnn_add_program_test name target)
  string(JOIN " " args ${ARGN})
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> "-DARGS=${args}"
            -P ${PROJECT_SOURCE_DIR}/cmake/RunAndCheckResult.cmake)
  # a program that cannot run here (its data set is not installed) says `result: skipped=1`:
  # CTest reports it skipped, not passed
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "OPENBLAS_NUM_THREADS=1"
                                          SKIP_REGULAR_EXPRESSION "result: skipped=1")
endfunction()
