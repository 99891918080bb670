#include "sending/template_limits.h"

#include <string_view>

namespace sg::sending {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

struct Delimiters {
  std::string open = "{{", close = "}}";
  bool braces() const { return open == "{{" && close == "}}"; }
};

// Reads "=<% %>=" as the mustache parser does; false when it would refuse the tag.
bool read_set_delimiters(std::string_view tag, Delimiters& d) {
  if (tag.size() < 5 || tag.back() != '=') return false;
  std::string_view inner = trim(tag.substr(1, tag.size() - 2));
  size_t space = inner.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view open = inner.substr(0, space), close = trim(inner.substr(space + 1));
  auto usable = [](std::string_view x) {
    return !x.empty() && x.find_first_of("= \t\r\n\f\v") == std::string_view::npos;
  };
  if (!usable(open) || !usable(close)) return false;
  d.open = open;
  d.close = close;
  return true;
}

}  // namespace

Status check_template_shape(const std::string& field, const std::string& text) {
  if (text.size() > kMaxTemplateBytes)
    return Error::invalid(field, field + " is " + std::to_string(text.size()) + " bytes; a template may be at most " +
                                     std::to_string(kMaxTemplateBytes) + " bytes (100 KB)");
  // Walks the tags as the mustache parser finds them, following delimiter changes.
  Delimiters d;
  size_t depth = 0;
  for (size_t pos = text.find(d.open); pos != std::string::npos; pos = text.find(d.open, pos)) {
    size_t start = pos + d.open.size();
    bool triple = d.braces() && start < text.size() && text[start] == '{';  // {{{name}}}
    if (triple) ++start;
    std::string_view close = triple ? "}}}" : std::string_view(d.close);
    size_t end = text.find(close, start);
    if (end == std::string::npos) break;
    std::string_view tag = trim(std::string_view(text).substr(start, end - start));
    pos = end + close.size();
    if (tag.empty()) continue;
    if (tag.front() == '=') {  // the parser reads a delimiter change even inside {{{ }}}
      if (!read_set_delimiters(tag, d)) return Status::success();
      continue;
    }
    if (triple) continue;
    switch (tag.front()) {
      case '#':
      case '^':
        if (++depth > kMaxSectionDepth)
          return Error::invalid(field, field + " nests sections more than " + std::to_string(kMaxSectionDepth) +
                                           " levels deep (the limit)");
        break;
      case '/':
        if (depth > 0) --depth;
        break;
      case '>':
        return Error::invalid(field, field + " uses a partial ({{>...}}); templates may not include partials");
      default:
        break;
    }
  }
  return Status::success();
}

}  // namespace sg::sending
