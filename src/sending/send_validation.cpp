#include "sending/send_validation.h"

namespace sg::sending {

Result<std::vector<EmailAddress>> parse_addresses(const std::string& field,
                                                  const std::vector<std::string>& list) {
  std::vector<EmailAddress> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    auto parsed = EmailAddress::parse(list[i]);
    std::string where = field + "[" + std::to_string(i) + "]";
    if (!parsed) return Error::invalid(where, where + ": " + parsed.error().message);
    out.push_back(std::move(parsed).value());
  }
  return out;
}

Status check_header_value(const std::string& field, const std::string& value, size_t max_bytes) {
  if (value.find_first_of("\r\n") != std::string::npos)
    return Error::invalid(field, field + " must not contain line breaks");
  if (value.size() > max_bytes)
    return Error::invalid(field, field + " is longer than " + std::to_string(max_bytes) + " bytes");
  return check_utf8(field, value);
}

Status check_utf8(const std::string& field, const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > text.size()) return Error::invalid(field, field + " is not valid UTF-8");
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2)
        return Error::invalid(field, field + " is not valid UTF-8");
    i += len;
  }
  return Status::success();
}

}  // namespace sg::sending
