// Reading request bodies: a JSON object with typed fields, each error naming the field.
// One rule for every body: an absent optional field takes its default, and `null` is
// refused (invalid_request naming the field) except where a reader says it is nullable.
// Unknown fields are ignored.
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/workflow.h"
#include "http/types.h"
#include "store/send_source.h"

namespace sg::http {

// Deeper than any request body needs; Boost.JSON's parser recurses per level.
inline constexpr int kMaxJsonDepth = 32;

// The body as a JSON object; invalid_request naming `body` for bad JSON (which includes
// invalid UTF-8), nesting deeper than kMaxJsonDepth, or a value other than an object.
Result<boost::json::object> parse_object(const Request& request);

Result<std::optional<std::string>> optional_string(const boost::json::object& o, const char* field);
// Like optional_string, but `null` reads as absent: for fields the API marks nullable.
Result<std::optional<std::string>> nullable_string(const boost::json::object& o, const char* field);
Result<std::string> required_string(const boost::json::object& o, const char* field);
Result<std::optional<bool>> optional_bool(const boost::json::object& o, const char* field);
// An optional string that must be one of an enumeration: `parse` maps text to the value
// (an empty optional when unknown), `allowed` lists the values for the error message.
template <class Parse>
auto optional_enum(const boost::json::object& o, const char* field, Parse parse, const char* allowed)
    -> Result<decltype(parse(std::string()))> {
  auto text = optional_string(o, field);
  if (!text) return text.error();
  if (!*text) return decltype(parse(std::string()))();
  auto value = parse(**text);
  if (!value) return Error::invalid(field, std::string(field) + " must be one of " + allowed);
  return value;
}
// The `source` field of /checks, /emails and /bulk-sends.
Result<std::optional<store::Source>> optional_source(const boost::json::object& o);
// Reads each named optional string field into its target ("" when absent).
Status read_strings(const boost::json::object& o,
                    std::initializer_list<std::pair<const char*, std::string*>> fields);
// The fields every message body has (subject, text, html, idempotency_key), into the
// request's members of the same names.
template <class MessageRequest>
Status read_message_fields(const boost::json::object& o, MessageRequest& req) {
  if (Status s = read_strings(o, {{"subject", &req.subject}, {"text", &req.text}, {"html", &req.html}}); !s) return s;
  auto key = optional_string(o, "idempotency_key");
  if (!key) return key.error();
  req.idempotency_key = *key;
  return Status::success();
}
// Absent is an empty list; any non-string element is an error naming its index.
Result<std::vector<std::string>> string_list(const boost::json::object& o, const char* field);

Response json_response(int status, const boost::json::value& body);

}  // namespace sg::http
