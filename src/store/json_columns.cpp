#include "store/json_columns.h"

#include <boost/json.hpp>

namespace sg::store {

std::string to_json_array(const std::vector<std::string>& items) {
  boost::json::array arr;
  for (const auto& s : items) arr.emplace_back(s);
  return boost::json::serialize(arr);
}

std::vector<std::string> from_json_array(const std::string& text) {
  std::vector<std::string> out;
  boost::json::value parsed = boost::json::parse(text);
  for (const auto& v : parsed.as_array()) out.emplace_back(v.as_string());
  return out;
}

std::string to_json_counts(const std::map<std::string, int64_t>& counts) {
  boost::json::object obj;
  for (const auto& [name, count] : counts) obj[name] = count;
  return boost::json::serialize(obj);
}

std::map<std::string, int64_t> from_json_counts(const std::string& text) {
  std::map<std::string, int64_t> out;
  const boost::json::value parsed = boost::json::parse(text);
  for (const auto& [name, count] : parsed.as_object()) out[name] = count.to_number<int64_t>();
  return out;
}

}  // namespace sg::store
