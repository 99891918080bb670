#include "marketo/identity.h"

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "marketo/error_codes.h"
#include "net/error_codes.h"
#include "net/url_encode.h"

namespace sg::marketo {

namespace {

constexpr long long kOneDay = 24 * 3600;

std::string string_field(const boost::json::value& root, const char* name) {
  const auto* object = root.if_object();
  const auto* field = object ? object->if_contains(name) : nullptr;
  return field && field->is_string() ? std::string(field->get_string()) : std::string();
}

Millis seconds_field(const boost::json::value& root, const char* name) {
  const auto* field = root.get_object().if_contains(name);
  if (field == nullptr || !field->is_number()) return Millis{0};
  boost::system::error_code ec;
  const auto seconds = field->to_number<long long>(ec);
  if (ec || seconds < 0) return Millis{0};
  return Millis{std::min(seconds, kOneDay) * 1000};  // bounded: a wild value must not overflow
}

TokenReply refused(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(body, ec);
  std::string description = ec ? std::string() : string_field(root, "error_description");
  if (description.empty()) description = "Marketo Identity refused the client credentials";
  return {Error::make(errc::auth_failed, std::move(description)), "http_401"};
}

TokenReply read_ok_body(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(body, ec);
  if (ec || !root.is_object() || string_field(root, "access_token").empty()) {
    return {Error::make(errc::error, "Marketo Identity sent no access token"), "invalid_response"};
  }
  return {Token{string_field(root, "access_token"), seconds_field(root, "expires_in")}, "success"};
}

}  // namespace

net::Request token_request(const Endpoint& identity, const Credentials& credentials, Millis timeout) {
  net::Request request;
  request.method = "POST";
  request.url = identity.url("oauth/token");
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = "grant_type=client_credentials&client_id=" + net::url_encode(credentials.client_id) +
                 "&client_secret=" + net::url_encode(credentials.client_secret);
  request.timeout = timeout;
  return request;
}

TokenReply read_token_reply(const Result<net::Response>& reply) {
  if (!reply) {
    if (reply.error().code == net::errc::address_refused) {
      return {Error::make(errc::address_refused, reply.error().message), "address_refused"};
    }
    return {Error::make(errc::unreachable, "Marketo Identity unreachable: " + reply.error().message), "transport"};
  }
  const int status = reply->status;
  const std::string metric = "http_" + std::to_string(status);
  if (status == 401) return refused(reply->body);
  if (status == 502 || status == 503 || status == 504) {
    return {Error::make(errc::unreachable, "Marketo Identity answered HTTP " + std::to_string(status)), metric};
  }
  if (status != 200) {
    return {Error::make(errc::error, "Marketo Identity answered HTTP " + std::to_string(status)), metric};
  }
  return read_ok_body(reply->body);
}

}  // namespace sg::marketo
