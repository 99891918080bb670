#include "suppressions/cell_text.h"

namespace sg::suppressions {
namespace {

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0 when the bytes there are not one.
size_t sequence_at(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t n = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3 : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  unsigned char second = byte(i + 1);
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) || (lead == 0xF0 && second < 0x90) ||
      (lead == 0xF4 && second > 0x8F))
    return 0;
  return n;
}

}  // namespace

bool is_utf8_cell(std::string_view cell) {
  for (size_t i = 0; i < cell.size();) {
    size_t n = sequence_at(cell, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string truncate_utf8_cell(std::string_view cell, size_t max_bytes) {
  if (cell.size() <= max_bytes) return std::string(cell);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(cell[end]) & 0xC0) == 0x80) --end;  // inside a code point
  return std::string(cell.substr(0, end));
}

std::string echo_cell(std::string_view cell, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  for (size_t i = 0; i < cell.size();) {
    size_t n = sequence_at(cell, i);
    std::string_view piece = n ? cell.substr(i, n) : kReplacement;
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    i += n ? n : 1;
  }
  return out;
}

}  // namespace sg::suppressions
