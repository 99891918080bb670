// Text from CSV cells made safe to store and to echo: imports refuse cells that are not
// UTF-8, shorten cells only between code points, and echo rejected cells shortened and
// with any invalid byte shown as U+FFFD so that every JSON answer is valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sg::suppressions {

bool is_utf8_cell(std::string_view cell);
// The longest prefix of at most `max_bytes` that ends on a code point boundary.
std::string truncate_utf8_cell(std::string_view cell, size_t max_bytes);
// `cell` for an answer: each invalid byte replaced by U+FFFD, then at most `max_bytes`.
std::string echo_cell(std::string_view cell, size_t max_bytes);

}  // namespace sg::suppressions
