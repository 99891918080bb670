// The shape a personalization template may have, checked with one cheap scan before the
// mustache library parses it: its parser and renderer recurse once per section level and
// copy each section's text, so a deeply nested template exhausts the stack or memory.
// Partials are refused: their names would be looked up among the recipient's variables
// and the value compiled as a template (a value "{{>p}}" recursing until the stack ends).
#pragma once

#include <cstddef>
#include <string>

#include "core/result.h"

namespace sg::sending {

constexpr size_t kMaxTemplateBytes = 100 * 1024;  // per subject, text or html
constexpr size_t kMaxSectionDepth = 16;
constexpr size_t kMaxRenderedBytes = 1024 * 1024;  // subject, text and html of one email together

// Errors: invalid_request naming `field` and the limit it breaks (size, depth) or the partial.
// A malformed template passes: the mustache parser reports it with its position.
Status check_template_shape(const std::string& field, const std::string& text);

}  // namespace sg::sending
