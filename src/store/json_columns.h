// Lists of strings stored as JSON arrays, and counts by name as JSON objects, in text columns.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sg::store {

std::string to_json_array(const std::vector<std::string>& items);
std::vector<std::string> from_json_array(const std::string& text);
std::string to_json_counts(const std::map<std::string, int64_t>& counts);
std::map<std::string, int64_t> from_json_counts(const std::string& text);

}  // namespace sg::store
