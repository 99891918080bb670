// The server's own request and response values, so that handlers and the router
// never see Boost.Beast (whose templates stay in server.cpp alone).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sg::http {

struct Request {
  std::string method;                              // "GET", "POST", …
  std::string path;                                // decoded path, without the query
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> headers;      // names lower-cased
  std::string body;
  std::map<std::string, std::string> path_params;  // filled by the router
  std::string peer;                                // the client's IP address

  // A cookie's value from the Cookie header, if present.
  std::optional<std::string> cookie(const std::string& name) const;

  std::optional<std::string> header(const std::string& lower_name) const;
  // The token of an "Authorization: Bearer <token>" header (scheme in any case), if so.
  std::optional<std::string> bearer_token() const;
  std::optional<std::string> param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace sg::http
