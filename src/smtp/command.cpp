#include "smtp/command.h"

#include <cctype>

#include "core/email_address.h"

namespace sg::smtp {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

Command parse_command(std::string_view line) {
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return Command{upper(line), ""};
  return Command{upper(line.substr(0, space)), std::string(trimmed(line.substr(space + 1)))};
}

Result<PathCommand> parse_path_command(std::string_view args, std::string_view keyword) {
  const std::string expected = std::string(keyword) + ":";
  if (args.size() < expected.size() || upper(args.substr(0, expected.size())) != expected)
    return Error::invalid("path", "Syntax: " + std::string(keyword == "FROM" ? "MAIL FROM:<address>" : "RCPT TO:<address>"));
  // Some clients put a space after the colon; RFC 5321 has none, but it costs nothing to allow.
  std::string_view rest = trimmed(args.substr(expected.size()));
  size_t close = rest.find('>');
  if (rest.empty() || rest.front() != '<' || close == std::string_view::npos)
    return Error::invalid("path", "The address must be in angle brackets: <address>");
  PathCommand out;
  out.path = std::string(rest.substr(1, close - 1));
  std::string_view params = rest.substr(close + 1);
  if (!params.empty() && params.front() != ' ') return Error::invalid("path", "A space must follow the address");
  params = trimmed(params);
  while (!params.empty()) {
    size_t end = params.find(' ');
    std::string_view param = params.substr(0, end);
    size_t eq = param.find('=');
    out.params[upper(param.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(param.substr(eq + 1));
    params = end == std::string_view::npos ? std::string_view{} : trimmed(params.substr(end));
  }
  if (!out.path.empty() && !EmailAddress::parse(out.path))
    return Error::invalid("path", "Not a valid address: " + out.path);
  return out;
}

}  // namespace sg::smtp
