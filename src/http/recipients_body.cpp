#include "http/recipients_body.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "http/json_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

// 9.99 reads "9.99" in an email, not JSON's "9.99E0".
std::string shortest(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

Result<std::map<std::string, std::string>> parse_vars(const json::value* v, const std::string& where) {
  std::map<std::string, std::string> vars;
  if (!v || v->is_null()) return vars;
  if (!v->is_object()) return Error::invalid(where, where + " must be an object of strings");
  for (const auto& [k, value] : v->as_object()) {
    std::string name(k);
    if (value.is_string()) vars[name] = std::string(value.as_string());
    else if (value.is_int64()) vars[name] = std::to_string(value.as_int64());
    else if (value.is_uint64()) vars[name] = std::to_string(value.as_uint64());
    // Boost.JSON reads a number beyond double's range (1e999) as infinity: not a number
    // to put in an email.
    else if (value.is_double() && std::isfinite(value.as_double())) vars[name] = shortest(value.as_double());
    else return Error::invalid(where + "." + name, where + "." + name + " must be a string or a number");
  }
  return vars;
}

}  // namespace

Result<std::vector<sending::BulkRecipient>> parse_recipients(const json::object& body) {
  std::vector<sending::BulkRecipient> out;
  const auto* list = body.if_contains("recipients");
  if (!list || !list->is_array())
    return Error::invalid("recipients", "recipients must be an array of {\"email\", \"vars\"} objects");
  out.reserve(list->as_array().size());
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    std::string where = "recipients[" + std::to_string(i) + "]";
    const auto& item = list->as_array()[i];
    if (!item.is_object()) return Error::invalid(where, where + " must be an object with an email");
    auto email = required_string(item.as_object(), "email");
    if (!email) return Error::invalid(where + ".email", where + ".email is required and must be a string");
    auto vars = parse_vars(item.as_object().if_contains("vars"), where + ".vars");
    if (!vars) return vars.error();
    out.push_back({*email, std::move(*vars)});
  }
  return out;
}

}  // namespace sg::http
