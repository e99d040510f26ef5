# cmake -DCLANGXX=clang++-14 -DSOURCE_DIR=<ctnn> -DWORK_DIR=<dir> -DTARGET=<load|npz|idx|csv> -DSECONDS=20
#       [-DRSS_LIMIT_MB=512] [-DAVX2=ON] -P RunFuzzer.cmake
# Builds tests/fuzz/<TARGET>_fuzzer.cpp with clang and -fsanitize=fuzzer,address,undefined into
# WORK_DIR (again only when a source or header changed), then fuzzes for SECONDS starting from
# the seed corpus tests/fuzz/corpus/<TARGET>, with every input held to RSS_LIMIT_MB of memory.
# New inputs go to WORK_DIR/<TARGET>_corpus, failing inputs to WORK_DIR/<TARGET>-crash-* (or
# -oom-*, -timeout-*).
if(NOT DEFINED RSS_LIMIT_MB)
  set(RSS_LIMIT_MB 512)
endif()
set(fuzzer ${WORK_DIR}/${TARGET}_fuzzer)
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
            ${SOURCE_DIR}/tests/fuzz/${TARGET}_fuzzer.cpp -lz -o ${fuzzer}.new
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the ${TARGET} fuzz target did not build")
  endif()
  file(RENAME ${fuzzer}.new ${fuzzer})
endif()

file(MAKE_DIRECTORY ${WORK_DIR}/${TARGET}_corpus)
execute_process(
  COMMAND ${fuzzer} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=${RSS_LIMIT_MB} -malloc_limit_mb=${RSS_LIMIT_MB}
          -print_final_stats=1 -artifact_prefix=${WORK_DIR}/${TARGET}- ${WORK_DIR}/${TARGET}_corpus
          ${SOURCE_DIR}/tests/fuzz/corpus/${TARGET}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the ${TARGET} fuzzer found a failing input (exit ${rc}); see ${WORK_DIR}/${TARGET}-crash-*")
endif()
