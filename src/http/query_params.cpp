#include "http/query_params.h"

#include <charconv>

namespace sg::http {

Result<std::optional<int>> whole_number_param(const Request& request, const char* name) {
  auto text = request.param(name);
  if (!text) return std::optional<int>();
  int value = 0;
  const char* end = text->data() + text->size();
  auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || stop != end)
    return Error::invalid(name, std::string(name) + " must be a whole number");
  return std::optional<int>(value);
}

std::optional<std::string> cursor_param(const Request& request) {
  auto cursor = request.param("cursor");
  if (cursor && cursor->empty()) return std::nullopt;
  return cursor;
}

}  // namespace sg::http
