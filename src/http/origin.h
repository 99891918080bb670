// Same-origin check for browser requests: a page on another site can make the browser
// send our cookie along (or sign it in with the attacker's account), but it cannot forge
// the Origin header.
#pragma once

#include <string_view>

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

// True unless the request carries an Origin that is neither the public URL's origin nor
// the origin of the Host it was sent to. No Origin (curl, scripts, old browsers) passes.
bool origin_allowed(const Request& request, std::string_view public_url);
// The 403 for a request that fails origin_allowed.
Error cross_site_error();

}  // namespace sg::http
