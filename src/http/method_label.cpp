#include "http/method_label.h"

#include <array>

namespace sg::http {

std::string method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown{"GET",    "HEAD",   "POST",   "PUT",
                                                          "PATCH",  "DELETE", "OPTIONS"};
  for (auto known : kKnown)
    if (method == known) return std::string(known);
  return "other";
}

}  // namespace sg::http
