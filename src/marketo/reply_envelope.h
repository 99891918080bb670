// ReplyEnvelope: the JSON wrapper of every Marketo REST reply, read leniently (MARKETO.md:
// errors, moreResult and nextPageToken may be absent; codes are strings). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "core/result.h"

namespace sg::marketo {

struct ApiError {
  std::string code;  // "606"; numbers are accepted and turned into strings
  std::string message;
};

struct ReplyEnvelope {
  bool success = false;
  std::vector<ApiError> errors;
  boost::json::array result;  // empty when absent
  bool more_result = false;
  std::string next_page_token;
};

// Fails with errc::invalid_response when `body` is not a JSON object with the shape above.
Result<ReplyEnvelope> parse_reply_envelope(std::string_view body);

// Lenient boolean: JSON true, or the strings "true"/"1" some integrations send; else false.
bool truthy(const boost::json::value* value);

// A scalar as text: strings as they are, absent or null as "", others as JSON ("12", "true").
std::string text_of(const boost::json::value* value);

// An integer given as a JSON number without fraction or as a string of digits; else nullopt.
std::optional<int64_t> integer_of(const boost::json::value* value);

}  // namespace sg::marketo
