# Included by ctnnConfig.cmake (find_package) and by ctnn's CMakeLists.txt when a project adds
# it as a subdirectory. ctnn is header-only, so it is compiled with the consumer's flags: a
# single-configuration project without CMAKE_BUILD_TYPE compiles it without optimisation, and
# every training then runs many times slower with nothing to say why.
get_property(_ctnn_multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
if(NOT _ctnn_multi_config AND NOT CMAKE_BUILD_TYPE)
  message(WARNING "ctnn: CMAKE_BUILD_TYPE is not set, so ctnn's code is compiled without "
    "optimisation (-O0) and training runs many times slower. Configure with "
    "-DCMAKE_BUILD_TYPE=Release (or RelWithDebInfo), or set CMAKE_BUILD_TYPE before "
    "find_package(ctnn) / add_subdirectory.")
endif()
unset(_ctnn_multi_config)
