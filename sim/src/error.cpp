#include "wsic/sim/error.hpp"

#include <string>

namespace wsic {

void assertion_failed(const char* expr, const char* file, int line, const char* msg) {
  throw InternalError(std::string(file) + ":" + std::to_string(line) + ": internal error: " + msg + " (" + expr + ")");
}

}  // namespace wsic
