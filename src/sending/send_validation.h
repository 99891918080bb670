// Validation of a send request's fields, naming the offending field in each error.
#pragma once

#include <string>
#include <vector>

#include "core/email_address.h"
#include "core/result.h"

namespace sg::sending {

// Parses each address of `list`; the error names the field and index, e.g. "to[2]".
Result<std::vector<EmailAddress>> parse_addresses(const std::string& field,
                                                  const std::vector<std::string>& list);

// A header value (subject) must be one line and within the length limit.
Status check_header_value(const std::string& field, const std::string& value, size_t max_bytes);

// Fails when `text` is not valid UTF-8 (bodies and subjects are sent as UTF-8).
Status check_utf8(const std::string& field, const std::string& text);

}  // namespace sg::sending
