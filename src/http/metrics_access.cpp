#include "http/metrics_access.h"

#include "crypto/tokens.h"

namespace sg::http {
namespace {

bool is_loopback(const std::string& ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

}  // namespace

std::optional<Error> refuse_metrics_scrape(const Request& request, const std::string& metrics_token) {
  if (metrics_token.empty()) {
    if (is_loopback(request.peer)) return std::nullopt;
    return Error::forbidden("/metrics answers only on this machine unless a metrics token is set");
  }
  auto token = request.bearer_token();
  // Comparing hashes keeps the comparison's timing independent of the token.
  if (token && crypto::token_hash(*token) == crypto::token_hash(metrics_token)) return std::nullopt;
  return Error::unauthorized("send the metrics token (Authorization: Bearer <token>)");
}

}  // namespace sg::http
