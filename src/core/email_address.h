// EmailAddress: an RFC 5321 mailbox, validated on construction.
// The original spelling is kept for delivery; `key()` is the whole address
// lower-cased, the form used for every comparison and lookup.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sg {

class EmailAddress {
 public:
  // Fails with invalid_request (message naming the address) when `text` is not a mailbox.
  static Result<EmailAddress> parse(std::string_view text);

  const std::string& original() const { return original_; }
  const std::string& key() const { return key_; }

  friend bool operator==(const EmailAddress& a, const EmailAddress& b) { return a.key_ == b.key_; }

 private:
  EmailAddress(std::string original, std::string key)
      : original_(std::move(original)), key_(std::move(key)) {}
  std::string original_;
  std::string key_;
};

// Lower-cases ASCII letters; addresses are ASCII by construction.
std::string lowercase_ascii(std::string_view text);

}  // namespace sg
