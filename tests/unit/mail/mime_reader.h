// A deliberately independent reader for rendered messages: unfolds headers, decodes
// RFC 2047 "B" encoded-words and quoted-printable, so tests check round trips rather
// than trusting the encoder's own helpers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sg::mail::test_support {

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

struct ParsedMessage {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
  std::string body;
};

inline ParsedMessage parse_message(std::string_view mime) {
  ParsedMessage parsed;
  std::size_t blank = mime.find("\r\n\r\n");
  std::string_view head = mime.substr(0, blank);
  parsed.body = std::string(mime.substr(blank == std::string_view::npos ? mime.size() : blank + 4));
  for (const std::string& line : split_lines(head)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      parsed.headers.back().second += line;  // unfolding removes only the CRLF
      continue;
    }
    std::size_t colon = line.find(':');
    std::size_t value_start = line.compare(colon + 1, 1, " ") == 0 ? colon + 2 : colon + 1;
    parsed.headers.emplace_back(line.substr(0, colon), line.substr(value_start));
  }
  return parsed;
}

inline std::string header(const ParsedMessage& message, std::string_view name) {
  for (const auto& [key, value] : message.headers)
    if (key == name) return value;
  return "<absent>";
}

inline std::string decode_base64(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(kAlphabet.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// Decodes "=?UTF-8?B?...?=" words; whitespace between two adjacent words is dropped
// (RFC 2047 6.2), any other text is kept as is.
inline std::string decode_encoded_words(std::string_view value) {
  std::string out;
  std::string pending_space;
  bool after_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value.substr(i, 10) == "=?UTF-8?B?") {
      std::size_t end = value.find("?=", i + 10);
      if (!after_word) out += pending_space;
      pending_space.clear();
      out += decode_base64(value.substr(i + 10, end - i - 10));
      after_word = true;
      i = end + 2;
    } else if (value[i] == ' ') {
      pending_space += value[i++];
    } else {
      out += pending_space;
      pending_space.clear();
      out += value[i++];
      after_word = false;
    }
  }
  return out + pending_space;
}

inline std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
    } else if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // soft line break
    } else {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

}  // namespace sg::mail::test_support
