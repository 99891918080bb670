#include "core/csv.h"

namespace sg {

std::optional<std::vector<std::string>> read_csv_record(std::istream& in) {
  if (in.peek() == std::char_traits<char>::eof()) return std::nullopt;
  std::vector<std::string> fields(1);
  bool quoted = false;
  int c;
  while ((c = in.get()) != std::char_traits<char>::eof()) {
    char ch = static_cast<char>(c);
    if (quoted) {
      if (ch != '"') fields.back() += ch;
      else if (in.peek() == '"') fields.back() += static_cast<char>(in.get());
      else quoted = false;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else if (ch == '\n') {
      break;
    } else if (ch == '\r') {
      if (in.peek() == '\n') in.get();
      break;
    } else {
      fields.back() += ch;
    }
  }
  return fields;
}

bool starts_like_formula(std::string_view cell) {
  return !cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos;
}

void write_csv_record(std::ostream& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    const std::string& f = fields[i];
    bool formula = starts_like_formula(f);
    if (f.find_first_of(",\"\r\n") == std::string::npos && !formula) {
      out << f;
      continue;
    }
    out << '"' << (formula ? "'" : "");
    for (char ch : f) out << (ch == '"' ? "\"\"" : std::string(1, ch));
    out << '"';
  }
  out << "\r\n";
}

}  // namespace sg
