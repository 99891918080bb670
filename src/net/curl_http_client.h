// CurlHttpClient: HttpClient over libcurl. Thread-safe: each send() borrows an easy
// handle from a small pool, so connections (and TLS sessions) are reused across calls.
// Every failure to obtain an HTTP status becomes errc::transport with curl's message; an
// address the policy refuses is never connected to: errc::address_refused, saying why.
// Environment proxies are ignored, since the policy must see the address actually reached.
// Destroy only after every send() has returned.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "net/address_policy.h"
#include "net/http_client.h"

namespace sg::net {

struct CurlOptions {
  Millis connect_timeout{5000};            // capped by each Request::timeout
  std::size_t max_idle_handles = 16;       // handles kept for reuse; more may exist briefly
  std::size_t max_response_bytes = 16u << 20;  // a larger body is a transport error
  bool verify_tls = true;
  std::string user_agent = "sendguard";
  AddressPolicy addresses;  // checked on every address curl is about to connect to
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options = {});
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  Result<Response> send(const Request& request) override;

 private:
  struct Pool;
  const CurlOptions options_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace sg::net
