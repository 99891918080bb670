// Quoted-printable body encoding (RFC 2045 6.7) for UTF-8 text parts. Pure and
// thread-safe. Line ends of any style (LF, CR, CRLF) become CRLF hard breaks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sg::mail {

// Encoded lines, soft breaks' "=" included, are at most this long (RFC 2045 6.7 (5)).
inline constexpr std::size_t kMaxQuotedPrintableLine = 76;

// Encodes `text`: '=' and bytes outside printable ASCII become =XX, as does whitespace
// before a line end; lines longer than kMaxQuotedPrintableLine get soft breaks ("=" CRLF).
// The output ends with CRLF exactly when the input ends with a line break.
std::string encode_quoted_printable(std::string_view text);

}  // namespace sg::mail
