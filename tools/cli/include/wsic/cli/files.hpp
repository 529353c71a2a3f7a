#pragma once
/// Writing results without ever leaving a half-written file behind.

#include <filesystem>
#include <string>
#include <string_view>

namespace wsic::cli {

/// Writes `content` to `path` atomically: to a temporary file in the same
/// folder, flushed to disk, then renamed over `path`. A crash or kill leaves
/// either the old file or the new one, never a truncated one. Throws
/// wsic::Error saying which file and why.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

/// Quotes a CSV field when it needs it (RFC 4180).
std::string csv_field(std::string_view s);

}  // namespace wsic::cli
