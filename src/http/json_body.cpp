#include "http/json_body.h"

#include <boost/json.hpp>

namespace sg::http {
namespace json = boost::json;
namespace {

// The field's value, nullptr when absent; `null` is an error naming the field.
Result<const json::value*> present(const json::object& o, const char* field) {
  const auto* v = o.if_contains(field);
  if (v && v->is_null()) return Error::invalid(field, std::string(field) + " must not be null (leave it out instead)");
  return v;
}

}  // namespace

Result<json::object> parse_object(const Request& request) {
  // The Content-Type is not enforced: a body that parses as JSON is what matters.
  // Boost.JSON refuses invalid UTF-8 (allow_invalid_utf8 is off) as a syntax error.
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::error_code ec;
  json::value v = json::parse(request.body, ec, {}, options);
  if (ec == json::error::too_deep)
    return Error::invalid("body", "the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (ec) return Error::invalid("body", "the body is not valid JSON in UTF-8: " + ec.message());
  if (!v.is_object()) return Error::invalid("body", "the body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> optional_string(const json::object& o, const char* field) {
  auto v = present(o, field);
  if (!v) return v.error();
  if (!*v) return std::optional<std::string>();
  if (!(*v)->is_string()) return Error::invalid(field, std::string(field) + " must be a string");
  return std::optional<std::string>(std::string((*v)->as_string()));
}

Result<std::optional<std::string>> nullable_string(const json::object& o, const char* field) {
  const auto* v = o.if_contains(field);
  if (v && v->is_null()) return std::optional<std::string>();
  return optional_string(o, field);
}

Result<std::string> required_string(const json::object& o, const char* field) {
  auto v = optional_string(o, field);
  if (!v) return v.error();
  if (!*v) return Error::invalid(field, std::string(field) + " is required");
  return **v;
}

Result<std::optional<bool>> optional_bool(const json::object& o, const char* field) {
  auto v = present(o, field);
  if (!v) return v.error();
  if (!*v) return std::optional<bool>();
  if (!(*v)->is_bool()) return Error::invalid(field, std::string(field) + " must be true or false");
  return std::optional<bool>((*v)->as_bool());
}

Result<std::optional<store::Source>> optional_source(const json::object& o) {
  return optional_enum(o, "source", store::parse_source,
                       "\"web_app\", \"gmail\", \"outlook\", \"salesforce\", \"api\", \"email_client\"");
}

Status read_strings(const json::object& o, std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [field, target] : fields) {
    auto v = optional_string(o, field);
    if (!v) return v.error();
    *target = v->value_or("");
  }
  return Status::success();
}

Result<std::vector<std::string>> string_list(const json::object& o, const char* field) {
  std::vector<std::string> out;
  auto v = present(o, field);
  if (!v) return v.error();
  if (!*v) return out;
  if (!(*v)->is_array()) return Error::invalid(field, std::string(field) + " must be an array of strings");
  const auto& items = (*v)->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = std::string(field) + "[" + std::to_string(i) + "]";
    if (!items[i].is_string()) return Error::invalid(where, where + " must be a string");
    out.emplace_back(items[i].as_string());
  }
  return out;
}

Response json_response(int status, const json::value& body) {
  return Response{status, "application/json", json::serialize(body), {}};
}

}  // namespace sg::http
