// A small RFC 4180 CSV reader and writer: quoted fields, doubled quotes, CRLF or LF.
// Pure; no I/O beyond the streams it is handed.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

// The next record of `in`, or nullopt at the end. A quoted field may span lines.
std::optional<std::vector<std::string>> read_csv_record(std::istream& in);
// Writes `fields` as one record; a cell a spreadsheet would run as a formula is written
// with a leading apostrophe (quoted), as OWASP's CSV injection guidance advises.
void write_csv_record(std::ostream& out, const std::vector<std::string>& fields);
// True when a spreadsheet would read `cell` as a formula: it starts with = + - @ TAB or CR.
bool starts_like_formula(std::string_view cell);

}  // namespace sg
