#pragma once
/// The project's one error type and the engine's internal assertion macro.

#include <stdexcept>
#include <string>

namespace wsic {

/// Base of every exception the project throws on purpose. Catch this at the
/// edge of a program to tell expected failures (bad input, a failed
/// replication) from bugs.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An engine invariant broke: a bug in the engine or a misuse of its API.
class InternalError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line, const char* msg);

}  // namespace wsic

/// Checks an invariant in every build type: the engine is cheap enough that
/// these stay on, and a wrong answer is worse than a slow one.
#define WSIC_ASSERT(expr, msg) \
  ((expr) ? static_cast<void>(0) : ::wsic::assertion_failed(#expr, __FILE__, __LINE__, msg))
