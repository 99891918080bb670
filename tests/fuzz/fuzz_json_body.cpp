// JSON request bodies: parse_object, then every field reader the handlers apply to it
// (the send, bulk-send, campaign and settings bodies), including the recipients list.
#include <boost/json.hpp>

#include "fuzz_input.h"
#include "http/json_body.h"
#include "http/recipients_body.h"

namespace {

using namespace sg::http;

void read_every_field(const boost::json::object& body) {
  for (const char* list : {"to", "cc", "bcc", "recipients"}) {
    auto items = string_list(body, list);
    if (items) FUZZ_REQUIRE(body.if_contains(list) == nullptr || body.at(list).is_null() ||
                            items->size() == body.at(list).as_array().size());
  }
  std::string subject, text, html;
  (void)read_strings(body, {{"subject", &subject}, {"text", &text}, {"html", &html}});
  for (const char* name : {"workflow", "source", "mode", "idempotency_key", "reason", "on_check_unavailable"})
    (void)optional_string(body, name);
  for (const char* name : {"email", "password", "name"}) {
    auto value = required_string(body, name);
    if (!value) FUZZ_REQUIRE(value.error().field == name);
  }
  for (const char* name : {"marketo_check_enabled", "authoritative"}) (void)optional_bool(body, name);

  auto recipients = parse_recipients(body);
  if (!recipients) {
    FUZZ_REQUIRE(recipients.error().code == "invalid_request");
    FUZZ_REQUIRE(recipients.error().field.starts_with("recipients"));
    return;
  }
  const auto& given = body.at("recipients").as_array();
  FUZZ_REQUIRE(recipients->size() == given.size());
  // A number among the vars reads back as a JSON number (never "inf").
  for (size_t i = 0; i < given.size(); ++i)
    for (const auto& [name, value] : (*recipients)[i].vars)
      if (given[i].at("vars").at(name).is_number()) {
        boost::json::error_code ec;
        FUZZ_REQUIRE(boost::json::parse(value, ec).is_number() && !ec);
      }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Request request;
  request.method = "POST";
  request.headers["content-type"] = "application/json";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = parse_object(request);
  if (!body) {
    FUZZ_REQUIRE(body.error().field == "body");
    return 0;
  }
  read_every_field(*body);
  return 0;
}
