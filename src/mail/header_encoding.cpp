#include "mail/header_encoding.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>

namespace sg::mail {
namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without the CRLF
constexpr std::string_view kWordPrefix = "=?UTF-8?B?";
constexpr std::string_view kWordSuffix = "?=";
constexpr std::size_t kWordOverhead = kWordPrefix.size() + kWordSuffix.size();
// The shortest word limit that still holds one 4-byte code point (8 base64 characters).
constexpr std::size_t kMinWordLimit = kWordOverhead + 8;

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned v = 0;
    for (std::size_t k = 0; k < 3; ++k)
      v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k)
      out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 0x3F] : '=';
  }
  return out;
}

std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // a stray byte: validation rejects it earlier, but never loop on it
}

// Bytes of text one encoded-word of `limit` characters can carry.
std::size_t payload_bytes(std::size_t limit) { return (limit - kWordOverhead) / 4 * 3; }

std::vector<std::string> split_on_spaces(std::string_view text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (true) {
    std::size_t space = text.find(' ', start);
    words.emplace_back(text.substr(start, space == std::string_view::npos ? space : space - start));
    if (space == std::string_view::npos) return words;
    start = space + 1;
  }
}

// Room for the first word on the "Name: " line.
std::size_t first_line_room(std::string_view name) {
  return kFoldColumn > name.size() + 2 ? kFoldColumn - name.size() - 2 : 0;
}

bool is_atext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kSpecials.find(c) != std::string_view::npos;
}

// A phrase of atoms needs no quoting; single spaces between atoms survive unfolding.
bool is_atom_phrase(std::string_view text) {
  if (text.front() == ' ' || text.back() == ' ' || text.find("  ") != std::string_view::npos)
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || is_atext(c); });
}

std::string quoted_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> display_name_words(std::string_view header, std::string_view display,
                                            std::size_t address_size) {
  // "=?" in a plain name would be read back as an encoded-word, so such names are encoded.
  if (is_printable_ascii(display) && display.find("=?") == std::string_view::npos) {
    std::string quoted = quoted_string(display);
    bool fits_one_line = header.size() + 2 + quoted.size() + 3 + address_size <= kMaxLine;
    if (fits_one_line)
      return is_atom_phrase(display) ? split_on_spaces(display) : std::vector{quoted};
  }
  return encode_words(display, first_line_room(header));
}

}  // namespace

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t n = sequence_length(lead);
    if (n == 1 && lead >= 0x80) return false;
    if (i + n > text.size()) return false;
    char32_t cp = n == 1 ? lead : lead & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr std::array<char32_t, 5> kMinForLength = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

std::vector<std::string> encode_words(std::string_view utf8, std::size_t first_limit) {
  std::vector<std::string> words;
  std::size_t limit = std::clamp(first_limit, kMinWordLimit, kMaxEncodedWord);
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    std::size_t budget = payload_bytes(limit);
    std::size_t end = pos;
    while (end < utf8.size()) {
      std::size_t next = std::min(utf8.size(), end + sequence_length(utf8[end]));
      if (next - pos > budget) break;
      end = next;
    }
    words.push_back(std::string(kWordPrefix) + base64(utf8.substr(pos, end - pos)) +
                    std::string(kWordSuffix));
    pos = end;
    limit = kMaxEncodedWord;
  }
  return words;
}

std::string fold_header(std::string_view name, const std::vector<std::string>& words) {
  std::string out(name);
  out += ':';
  std::size_t line = out.size();
  // Never break right after the name, nor leave a line holding only whitespace (RFC 5322
  // 3.2.2): trailing empty words (a run of spaces ending the value) are dropped, so every
  // fold is followed by text on its line.
  auto last_text = std::find_if(words.rbegin(), words.rend(), [](const std::string& w) { return !w.empty(); });
  auto end = last_text == words.rend() ? std::min(words.begin() + 1, words.end()) : last_text.base();
  bool line_has_text = false;
  for (auto it = words.begin(); it != end; ++it) {
    const std::string& word = *it;
    if (line_has_text && line + 1 + word.size() > kFoldColumn) {
      out += "\r\n";
      line = 0;
      line_has_text = false;
    }
    out += ' ';
    out += word;
    line += 1 + word.size();
    line_has_text = line_has_text || !word.empty();
  }
  return out;
}

std::string unstructured_header(std::string_view name, std::string_view value) {
  // "=?" in plain text would be read back as an encoded-word, so such text is encoded.
  if (is_printable_ascii(value) && value.find("=?") == std::string_view::npos) {
    std::vector<std::string> words = split_on_spaces(value);
    bool fits = std::all_of(words.begin(), words.end(), [&](const std::string& w) {
      return name.size() + 2 + w.size() <= kMaxLine;
    });
    if (fits) return fold_header(name, words);
  }
  return fold_header(name, encode_words(value, first_line_room(name)));
}

std::string mailbox_header(std::string_view name, std::string_view display_name,
                           std::string_view address) {
  if (display_name.empty()) return fold_header(name, {std::string(address)});
  std::vector<std::string> words = display_name_words(name, display_name, address.size());
  words.push_back("<" + std::string(address) + ">");
  return fold_header(name, words);
}

std::string address_list_header(std::string_view name, const std::vector<std::string>& addresses) {
  std::vector<std::string> words;
  for (std::size_t i = 0; i < addresses.size(); ++i)
    words.push_back(i + 1 < addresses.size() ? addresses[i] + "," : addresses[i]);
  return fold_header(name, words);
}

std::string format_rfc5322_date(TimePoint t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

}  // namespace sg::mail
