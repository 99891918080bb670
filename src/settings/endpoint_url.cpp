#include "settings/endpoint_url.h"

#include <boost/url/parse.hpp>

namespace sg::settings {
namespace {

bool is_loopback(const boost::urls::url_view& url) {
  using boost::urls::host_type;
  switch (url.host_type()) {
    case host_type::ipv4: return url.host_ipv4_address().to_bytes()[0] == 127;
    case host_type::ipv6: return url.host_ipv6_address().is_loopback();
    case host_type::name: return url.host() == "localhost";
    default: return false;
  }
}

}  // namespace

Result<std::string> normalize_endpoint(const std::string& field, const std::string& url, bool allow_loopback) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  // Boost.URL 1.81 reads "http://127.0.0.1.example.com/x" as host 127.0.0.1 with path
  // ".example.com/x"; a path after an authority must start with '/', so refuse that.
  if (!parsed || parsed->host().empty() ||
      (!parsed->encoded_path().empty() && parsed->encoded_path().front() != '/'))
    return Error::invalid(field, field + " must be an absolute URL such as https://123-ABC-456.mktorest.com/rest");
  std::string scheme = parsed->scheme();
  if (scheme != "https" && !(scheme == "http" && allow_loopback && is_loopback(*parsed)))
    return Error::invalid(field, field + " must use https");
  if (parsed->has_query() || parsed->has_fragment() || parsed->has_userinfo())
    return Error::invalid(field, field + " must not contain credentials, a query or a fragment");
  std::string out = url;
  while (out.ends_with('/')) out.pop_back();
  return out;
}

}  // namespace sg::settings
