#include <boost/url/parse.hpp>

#include "settings/team_settings.h"

namespace sg::settings {
namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "::1";
}

}  // namespace

Result<std::string> normalize_endpoint(const std::string& field, const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || parsed->host().empty())
    return Error::invalid(field, field + " must be an absolute URL such as https://123-ABC-456.mktorest.com/rest");
  std::string scheme = parsed->scheme();
  std::string host = parsed->host();
  if (scheme != "https" && !(scheme == "http" && is_loopback(host)))
    return Error::invalid(field, field + " must use https (http is accepted only for loopback hosts)");
  if (parsed->has_query() || parsed->has_fragment() || parsed->has_userinfo())
    return Error::invalid(field, field + " must not contain credentials, a query or a fragment");
  std::string out = url;
  while (out.ends_with('/')) out.pop_back();
  return out;
}

}  // namespace sg::settings
