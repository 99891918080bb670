// Identity: the OAuth client-credentials exchange of MARKETO.md as pure request building
// and reply reading; TokenCache does the I/O. The credentials travel in a form-encoded
// POST body, never in the URL (which proxies and access logs record): never log bodies.
#pragma once

#include <string>

#include "core/result.h"
#include "marketo/endpoint.h"
#include "marketo/types.h"
#include "net/http_client.h"

namespace sg::marketo {

struct Token {
  std::string access_token;
  Millis expires_in{0};  // 0 when Identity said 0 or nothing: ask again
};

struct TokenReply {
  Result<Token> token;
  std::string metric_result;  // "success", "http_<status>", "transport", "invalid_response"
};

net::Request token_request(const Endpoint& identity, const Credentials& credentials, Millis timeout);
TokenReply read_token_reply(const Result<net::Response>& reply);

}  // namespace sg::marketo
