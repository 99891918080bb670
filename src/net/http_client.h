// HttpClient: the seam for outbound HTTP (Marketo). Production uses libcurl;
// unit tests use a recording fake. Implementations must be thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "net/error_codes.h"

namespace sg::net {

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Millis timeout{10000};
};

struct Response {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a successful Result; a failure to get one (connection refused,
  // timeout, closed connection) is an errc::transport error, and a refusal to connect to
  // the address the host resolved to (see address_policy.h) is errc::address_refused.
  virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace sg::net
