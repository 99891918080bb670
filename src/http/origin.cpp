#include "http/origin.h"

#include "core/email_address.h"

namespace sg::http {
namespace {

// "scheme://host[:port]" of a URL, lower-cased, without path or trailing slash.
std::string origin_of(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  auto path = url.find('/', scheme_end + 3);
  return lowercase_ascii(url.substr(0, path));
}

}  // namespace

bool origin_allowed(const Request& request, std::string_view public_url) {
  auto origin = request.header("origin");
  if (!origin) return true;
  std::string claimed = lowercase_ascii(*origin);
  if (claimed == origin_of(public_url)) return true;
  auto host = request.header("host");
  if (!host || host->empty()) return false;
  std::string own = lowercase_ascii(*host);
  return claimed == "http://" + own || claimed == "https://" + own;
}

Error cross_site_error() {
  return Error::make(errc::csrf_failed, "the request comes from another site (its Origin is not this server's)");
}

}  // namespace sg::http
