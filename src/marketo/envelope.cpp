#include "marketo/envelope.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/email_address.h"

namespace sg::marketo {

namespace {

Error invalid(std::string message) { return Error{"invalid_response", std::move(message), {}, {}}; }

std::string as_text(const boost::json::value* value) {
  if (value == nullptr) return {};
  if (value->is_string()) return std::string(value->get_string());
  if (value->is_int64()) return std::to_string(value->get_int64());
  if (value->is_uint64()) return std::to_string(value->get_uint64());
  return {};
}

std::vector<ApiError> read_errors(const boost::json::value* errors) {
  std::vector<ApiError> out;
  if (errors == nullptr || !errors->is_array()) return out;
  for (const auto& item : errors->get_array()) {
    if (!item.is_object()) continue;
    const auto& error = item.get_object();
    out.push_back({as_text(error.if_contains("code")), as_text(error.if_contains("message"))});
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

Result<Envelope> parse_envelope(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(body, ec);
  if (ec || !root.is_object()) return invalid("reply is not a JSON object");
  auto& object = root.get_object();

  Envelope envelope;
  envelope.success = truthy(object.if_contains("success"));
  envelope.errors = read_errors(object.if_contains("errors"));
  envelope.more_result = truthy(object.if_contains("moreResult"));
  envelope.next_page_token = as_text(object.if_contains("nextPageToken"));
  if (auto* result = object.if_contains("result"); result != nullptr && !result->is_null()) {
    if (!result->is_array()) return invalid("\"result\" is not an array");
    envelope.result = std::move(result->get_array());
  }
  return envelope;
}

}  // namespace sg::marketo
