#pragma once
/// What every command shows on the terminal while it works (the output
/// folder is files.hpp's OutputFolder).

#include "wsic/sim/runner.hpp"

namespace wsic::cli {

/// A one-line progress bar with rate and time left, redrawn on stderr.
void draw_progress(const sim::Progress& p);

}  // namespace wsic::cli
