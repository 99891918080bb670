// Reading request bodies: a JSON object with typed fields, each error naming the field.
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

// The body as a JSON object; invalid_request for a wrong content type or bad JSON.
Result<boost::json::object> parse_object(const Request& request);

Result<std::optional<std::string>> optional_string(const boost::json::object& o, const char* field);
Result<std::string> required_string(const boost::json::object& o, const char* field);
Result<std::optional<bool>> optional_bool(const boost::json::object& o, const char* field);
// Reads each named optional string field into its target ("" when absent or null).
Status read_strings(const boost::json::object& o,
                    std::initializer_list<std::pair<const char*, std::string*>> fields);
// Absent or null is an empty list; any non-string element is an error naming its index.
Result<std::vector<std::string>> string_list(const boost::json::object& o, const char* field);

Response json_response(int status, const boost::json::value& body);

}  // namespace sg::http
