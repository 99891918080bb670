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

}  // namespace sg::store
