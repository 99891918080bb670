// A small RFC 4180 CSV reader and writer: quoted fields, doubled quotes, CRLF or LF.
// Pure; no I/O beyond the streams it is handed.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace sg::suppressions {

// The next record of `in`, or nullopt at the end. A quoted field may span lines.
std::optional<std::vector<std::string>> read_csv_record(std::istream& in);
void write_csv_record(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace sg::suppressions
