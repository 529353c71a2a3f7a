#include "wsic/sim/runner.hpp"
