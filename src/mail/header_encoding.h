// Header building blocks for render_mime: RFC 2047 encoded-words, RFC 5322 folding,
// dates and mailboxes. Pure functions over strings; inputs are assumed already
// validated (no CR/LF, UTF-8 where text may be non-ASCII).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace sg::mail {

// Lines are folded to this length where a break point allows (RFC 5322 2.1.1).
inline constexpr std::size_t kFoldColumn = 78;
// An encoded-word may not be longer than this (RFC 2047 2).
inline constexpr std::size_t kMaxEncodedWord = 75;

// True when every byte is printable ASCII (0x20..0x7E).
bool is_printable_ascii(std::string_view text);
// True when text is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Splits UTF-8 text into "=?UTF-8?B?...?=" words of at most kMaxEncodedWord characters,
// never splitting a code point; the first word is at most `first_limit` characters so
// it fits after the header name. Empty text gives no words.
std::vector<std::string> encode_words(std::string_view utf8,
                                      std::size_t first_limit = kMaxEncodedWord);

// "Name: w1 w2 ...": joins the words with single spaces, and breaks the line (CRLF before
// the space) where it would pass kFoldColumn. Words are never split. No final CRLF.
std::string fold_header(std::string_view name, const std::vector<std::string>& words);

// An unstructured value (Subject): kept as is when plain ASCII that folds within limits,
// else encoded-words.
std::string unstructured_header(std::string_view name, std::string_view value);

// "Name <addr>", the display name quoted or encoded as needed, or just "addr" without
// a name.
std::string mailbox_header(std::string_view name, std::string_view display_name,
                           std::string_view address);

// "Name: a, b, c" folded between addresses.
std::string address_list_header(std::string_view name, const std::vector<std::string>& addresses);

// RFC 5322 date in UTC, e.g. "Thu, 26 Nov 2026 09:17:01 +0000".
std::string format_rfc5322_date(TimePoint t);

}  // namespace sg::mail
