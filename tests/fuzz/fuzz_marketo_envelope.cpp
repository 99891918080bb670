// The Marketo reply envelope, and the scalar readers applied to whatever it carries.
#include <boost/json.hpp>

#include "fuzz_input.h"
#include "marketo/reply_envelope.h"

namespace {

using namespace sg::marketo;

void read_scalars(const boost::json::value& value) {
  (void)truthy(&value);
  (void)text_of(&value);
  if (auto n = integer_of(&value); n && value.is_int64()) FUZZ_REQUIRE(*n == value.get_int64());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto envelope = parse_reply_envelope(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!envelope) {
    FUZZ_REQUIRE(envelope.error().code == "invalid_response");
    return 0;
  }
  for (const auto& item : envelope->result) {
    read_scalars(item);
    if (const auto* object = item.if_object())
      for (const auto& [key, value] : *object) read_scalars(value);
  }
  return 0;
}
