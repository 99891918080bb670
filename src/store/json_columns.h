// Lists of strings stored as JSON arrays in a text column.
#pragma once

#include <string>
#include <vector>

namespace sg::store {

std::string to_json_array(const std::vector<std::string>& items);
std::vector<std::string> from_json_array(const std::string& text);

}  // namespace sg::store
