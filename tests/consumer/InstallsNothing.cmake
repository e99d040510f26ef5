# cmake -DBINARY=dir -DPREFIX=dir -P InstallsNothing.cmake
# Installs a consumer's build tree into an empty prefix and fails if any file of ctnn's arrives.
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY} --prefix ${PREFIX} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BINARY} failed (${rc})")
endif()
file(GLOB_RECURSE installed RELATIVE ${PREFIX} ${PREFIX}/*)
if(installed)
  message(FATAL_ERROR "a consumer's install put ctnn's files into its prefix: ${installed}")
endif()
message("installed nothing of ctnn's")
