#include "mail/quoted_printable.h"

namespace sg::mail {
namespace {

bool is_literal(unsigned char c) { return c >= 33 && c <= 126 && c != '='; }

std::string escape(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return {'=', kHex[c >> 4], kHex[c & 0x0F]};
}

// Encodes one line without its line end, adding soft breaks as needed.
void encode_line(std::string_view line, std::string& out) {
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    // Whitespace is literal except at the line end, where transports may strip it.
    bool literal = is_literal(c) || ((c == ' ' || c == '\t') && !last);
    std::string token = literal ? std::string(1, static_cast<char>(c)) : escape(c);
    // A token that is not the line's last must leave room for a soft break's "=".
    std::size_t limit = last ? kMaxQuotedPrintableLine : kMaxQuotedPrintableLine - 1;
    if (column + token.size() > limit) {
      out += "=\r\n";
      column = 0;
    }
    out += token;
    column += token.size();
  }
}

}  // namespace

std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      encode_line(text.substr(start), out);
      break;
    }
    encode_line(text.substr(start, end - start), out);
    out += "\r\n";
    start = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
  }
  return out;
}

}  // namespace sg::mail
