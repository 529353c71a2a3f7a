# Warnings live in an INTERFACE target that each project target links PRIVATE,
# so nothing leaks to consumers and no global flags are set.
add_library(wsic_warnings INTERFACE)
add_library(wsic::warnings ALIAS wsic_warnings)
target_compile_options(wsic_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference>
  $<$<BOOL:${WSIC_WERROR}>:-Werror>)
option(WSIC_WERROR "Treat warnings as errors" OFF)
