// Email address parsing: whatever parses is a printable-ASCII mailbox within RFC 5321's
// length limits, its key is its lower-cased form, and the key parses to itself.
#include <algorithm>

#include "core/email_address.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto address = sg::EmailAddress::parse(text);
  if (!address) {
    FUZZ_REQUIRE(address.error().code == "invalid_request");
    return 0;
  }
  FUZZ_REQUIRE(address->original() == text);
  FUZZ_REQUIRE(text.size() <= 254 && text.find('@') != std::string_view::npos);
  // Printable ASCII only: no CR/LF to inject a header, no byte a mail header cannot carry.
  FUZZ_REQUIRE(std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; }));
  FUZZ_REQUIRE(address->key() == sg::lowercase_ascii(text));
  auto again = sg::EmailAddress::parse(address->key());
  FUZZ_REQUIRE(again.ok() && again->key() == address->key() && *again == *address);
  return 0;
}
