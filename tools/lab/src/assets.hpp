#pragma once
/// The lab's page, script and style, compiled into the program from
/// tools/lab/web (cmake/embed.cmake): nothing is read from disk to serve them.

#include <string_view>
#include <vector>

namespace wsic::lab::assets {

struct Asset {
  std::string_view path;  ///< the URL path, e.g. "/lab.js"
  std::string_view type;  ///< its content type
  std::string_view body;
};

const std::vector<Asset>& all();

}  // namespace wsic::lab::assets
