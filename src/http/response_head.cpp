#include "http/response_head.h"

// Boost 1.81's status.hpp uses std::ostream without including it.
#include <ostream>

#include <boost/beast/http/status.hpp>

namespace sg::http {
namespace {

bool splits_head(const std::string& text) { return text.find_first_of("\r\n") != std::string::npos; }

void append_field(std::string& out, const std::string& name, const std::string& value) {
  if (name.empty() || splits_head(name) || splits_head(value)) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 would state the GET's, which we never send.
bool may_state_length(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

void append_response_head(std::string& out, const Response& res, bool keep_alive, unsigned version,
                          size_t body_bytes) {
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  append_field(out, "Server", "sendguard");
  append_field(out, "Content-Type", res.content_type);
  for (const auto& [name, value] : res.headers) append_field(out, name, value);
  // Persistence is HTTP/1.1's default and HTTP/1.0's exception (RFC 9112 §9.3).
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  if (may_state_length(res.status)) {
    out += "Content-Length: ";
    out += std::to_string(body_bytes);
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace sg::http
