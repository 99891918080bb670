// URL validation: the Marketo endpoints an admin enters (settings' check, then the
// client's parse) and the SMTP relay URL of the configuration. What settings accepts,
// the client must call on the very same host.
#include <boost/url/parse.hpp>

#include "core/email_address.h"
#include "fuzz_input.h"
#include "mail/smtp_url.h"
#include "marketo/endpoint.h"
#include "settings/endpoint_url.h"

namespace {

std::string authority_of(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  FUZZ_REQUIRE(parsed.has_value());
  return sg::lowercase_ascii(parsed->encoded_host_and_port());
}

void check_client_endpoint(std::string_view text) {
  auto endpoint = sg::marketo::parse_endpoint(text);
  if (!endpoint) {
    FUZZ_REQUIRE(endpoint.error().code == "marketo_error");
    return;
  }
  FUZZ_REQUIRE(endpoint->origin.starts_with("http://") || endpoint->origin.starts_with("https://"));
  FUZZ_REQUIRE(endpoint->base_path.find("//") == std::string::npos && !endpoint->base_path.ends_with('/'));
  FUZZ_REQUIRE(authority_of(endpoint->url("/v1/leads.json")) == endpoint->instance);
}

void check_settings_endpoint(const std::string& text, bool allow_loopback) {
  auto accepted = sg::settings::normalize_endpoint("rest_endpoint", text, allow_loopback);
  if (!accepted) {
    FUZZ_REQUIRE(accepted.error().field == "rest_endpoint");
    return;
  }
  FUZZ_REQUIRE(!accepted->ends_with('/'));
  FUZZ_REQUIRE(allow_loopback || accepted->starts_with("https://"));  // http:// only for allowed loopback
  auto called = sg::marketo::parse_endpoint(*accepted);
  FUZZ_REQUIRE(called.ok());
  FUZZ_REQUIRE(called->instance == authority_of(*accepted));
}

void check_smtp_url(std::string_view text) {
  auto url = sg::mail::parse_smtp_url(text);
  if (!url) {
    FUZZ_REQUIRE(url.error().field == "smtp_url");
    return;
  }
  FUZZ_REQUIRE(!url->host.empty() && url->port >= 1 && url->port <= 65535);
  // What is logged never carries the credentials.
  FUZZ_REQUIRE(url->endpoint().find('@') == std::string::npos);
  FUZZ_REQUIRE(!url->user.empty() || url->password.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  check_client_endpoint(text);
  check_settings_endpoint(text, false);
  check_settings_endpoint(text, true);
  check_smtp_url(text);
  return 0;
}
