#include "marketo/reply_envelope.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/email_address.h"
#include "marketo/error_codes.h"

namespace sg::marketo {

namespace {

Error invalid(std::string message) { return Error::make(errc::invalid_response, std::move(message)); }

std::vector<ApiError> read_errors(const boost::json::value* errors) {
  std::vector<ApiError> out;
  if (errors == nullptr || !errors->is_array()) return out;
  for (const auto& item : errors->get_array()) {
    if (!item.is_object()) continue;
    const auto& error = item.get_object();
    out.push_back({text_of(error.if_contains("code")), text_of(error.if_contains("message"))});
  }
  return out;
}

}  // namespace

bool truthy(const boost::json::value* value) {
  if (value == nullptr) return false;
  if (value->is_bool()) return value->get_bool();
  if (value->is_string()) {
    const std::string text = lowercase_ascii(value->get_string());
    return text == "true" || text == "1";
  }
  return false;
}

std::string text_of(const boost::json::value* value) {
  if (value == nullptr || value->is_null()) return {};
  if (value->is_string()) return std::string(value->get_string());
  if (value->is_double()) {  // serialize would write 1.5 as "1.5E0"
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value->get_double()).ptr;
    return std::string(buffer, end);
  }
  return boost::json::serialize(*value);
}

std::optional<int64_t> integer_of(const boost::json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) {
    if (value->get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(value->get_uint64());
  }
  if (value->is_double()) {
    const double d = value->get_double();
    // Beyond 2^53 a double no longer holds every integer: refuse rather than guess.
    if (std::trunc(d) != d || std::fabs(d) > 9007199254740992.0) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (value->is_string()) {
    const std::string_view text = value->get_string();
    int64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

Result<ReplyEnvelope> parse_reply_envelope(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(body, ec);
  if (ec || !root.is_object()) return invalid("reply is not a JSON object");
  auto& object = root.get_object();

  ReplyEnvelope envelope;
  envelope.success = truthy(object.if_contains("success"));
  envelope.errors = read_errors(object.if_contains("errors"));
  envelope.more_result = truthy(object.if_contains("moreResult"));
  envelope.next_page_token = text_of(object.if_contains("nextPageToken"));
  if (auto* result = object.if_contains("result"); result != nullptr && !result->is_null()) {
    if (!result->is_array()) return invalid("\"result\" is not an array");
    envelope.result = std::move(result->get_array());
  }
  return envelope;
}

}  // namespace sg::marketo
