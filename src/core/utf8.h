// UTF-8 checks for text arriving from outside (URL paths, CSV cells, JSON strings), so
// that nothing invalid is stored or echoed, and truncation that never splits a character.
#pragma once

#include <string>
#include <string_view>

namespace sg {

// True when `s` is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequence.
bool is_valid_utf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` bytes that ends on a character
// boundary. Meant for valid UTF-8; on invalid input it still never cuts after a lead byte.
std::string truncate_utf8(std::string_view s, size_t max_bytes);

// `s` made fit to echo: each invalid byte replaced by U+FFFD, then at most `max_bytes`
// bytes, cut only between characters.
std::string sanitize_utf8(std::string_view s, size_t max_bytes);

}  // namespace sg
