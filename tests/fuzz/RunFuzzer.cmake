# cmake -DCLANGXX=clang++-14 -DSOURCE_DIR=<ctnn> -DWORK_DIR=<dir> -DSECONDS=20 [-DAVX2=ON] -P RunFuzzer.cmake
# Builds tests/fuzz/load_fuzzer.cpp with clang and -fsanitize=fuzzer,address,undefined into WORK_DIR
# (again only when a source or header changed), then fuzzes for SECONDS starting from the seed
# corpus tests/fuzz/corpus. New inputs go to WORK_DIR/corpus, crashes to WORK_DIR/crash-*.
set(fuzzer ${WORK_DIR}/load_fuzzer)
file(GLOB_RECURSE inputs ${SOURCE_DIR}/include/ctnn/*.hpp ${SOURCE_DIR}/tests/fuzz/*.cpp ${SOURCE_DIR}/tests/fuzz/*.hpp)
set(stale FALSE)
foreach(input IN LISTS inputs)
  if(NOT EXISTS ${fuzzer} OR ${input} IS_NEWER_THAN ${fuzzer})
    set(stale TRUE)
  endif()
endforeach()
if(stale)
  set(simd)
  if(AVX2)
    set(simd -mavx2 -mfma)
  endif()
  message("building ${fuzzer}")
  execute_process(
    COMMAND ${CLANGXX} -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -DXTENSOR_USE_XSIMD ${simd} -I${SOURCE_DIR}/include -I${SOURCE_DIR}/tests
            ${SOURCE_DIR}/tests/fuzz/load_fuzzer.cpp -o ${fuzzer}.new
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the fuzz target did not build")
  endif()
  file(RENAME ${fuzzer}.new ${fuzzer})
endif()

file(MAKE_DIRECTORY ${WORK_DIR}/corpus)
execute_process(
  COMMAND ${fuzzer} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix=${WORK_DIR}/ ${WORK_DIR}/corpus ${SOURCE_DIR}/tests/fuzz/corpus
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the load fuzzer found a failing input (exit ${rc}); see ${WORK_DIR}/crash-*")
endif()
