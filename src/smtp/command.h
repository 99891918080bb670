// Parsing SMTP command lines (RFC 5321 4.1): the verb, and the paths and parameters of
// MAIL FROM and RCPT TO. Pure functions; errors are the reply text for a 501/555.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sg::smtp {

struct Command {
  std::string verb;  // upper-cased: "MAIL"
  std::string args;  // the rest of the line after one space
};
Command parse_command(std::string_view line);

struct PathCommand {
  std::string path;                           // without <>; empty for <>
  std::map<std::string, std::string> params;  // keyword upper-cased => value ("" when none)
};
// `args` of MAIL ("FROM:<a@b> SIZE=10") or RCPT ("TO:<a@b>"); `keyword` is "FROM" or "TO".
Result<PathCommand> parse_path_command(std::string_view args, std::string_view keyword);

}  // namespace sg::smtp
