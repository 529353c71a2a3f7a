# Warnings live in an INTERFACE target that each project target links PRIVATE,
# so nothing leaks to consumers and no global flags are set.
add_library(wsic_warnings INTERFACE)
add_library(wsic::warnings ALIAS wsic_warnings)
target_compile_options(wsic_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference>
  $<$<BOOL:${WSIC_WERROR}>:-Werror>
  # Sanitizer instrumentation misleads GCC's flow analysis into false
  # "may be used uninitialized" and "potential null pointer dereference"
  # reports inside the standard library (std::function in std::regex,
  # std::string moves); the uninstrumented builds keep both warnings.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${WSIC_SANITIZED}>>:-Wno-maybe-uninitialized -Wno-null-dereference>)
option(WSIC_WERROR "Treat warnings as errors" OFF)
option(WSIC_SANITIZED "The build is instrumented by a sanitizer (set by the asan and tsan presets)" OFF)
