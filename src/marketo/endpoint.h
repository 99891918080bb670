// Endpoint: a Marketo base URL as an admin pastes it (REST or Identity), checked once and
// joined to API paths without ever emitting "//" inside a path. Pure value type.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sg::marketo {

struct Endpoint {
  std::string origin;     // scheme://host[:port]
  std::string base_path;  // e.g. "/rest"; no trailing '/', no empty segments
  std::string instance;   // lower-cased host[:port]: the key of per-instance limits

  // origin + base_path + "/" + path (leading slashes of `path` ignored).
  std::string url(std::string_view path) const;
};

// Fails with marketo_error when `text` is not an http(s) URL with a host.
Result<Endpoint> parse_endpoint(std::string_view text);

// What limits, daily budgets and quota blocks are kept per: the REST host together with
// the API user and the host its tokens come from. The REST host alone would let a team
// that names another team's host spend that team's share, and so would a client id (no
// secret) with tokens from a server of the team's own; the real identity host needs the
// real secret.
std::string limits_key(std::string_view instance, std::string_view client_id, std::string_view identity_instance);

}  // namespace sg::marketo
