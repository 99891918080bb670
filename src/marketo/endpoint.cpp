#include "marketo/endpoint.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "core/email_address.h"
#include "marketo/error_codes.h"

namespace sg::marketo {

namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "/rest//v1/" -> "/rest/v1": pasted endpoints often end in '/', and "//" breaks routing.
std::string without_empty_segments(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/' && !out.empty() && out.back() == '/') continue;
    out += path[i];
  }
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (!out.empty() && out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

Error bad_endpoint(std::string_view text) {
  return Error::make(errc::error, "not an http(s) endpoint URL: " + std::string(text));
}

}  // namespace

std::string Endpoint::url(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return origin + base_path + "/" + std::string(path);
}

std::string limits_key(std::string_view instance, std::string_view client_id, std::string_view identity_instance) {
  return std::string(instance) + " client " + std::string(client_id) + " via " + std::string(identity_instance);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  text = trim(text);
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return bad_endpoint(text);
  const boost::urls::url_view& view = *parsed;
  const std::string scheme = lowercase_ascii(view.scheme());
  if ((scheme != "http" && scheme != "https") || view.encoded_host().empty()) return bad_endpoint(text);
  const std::string host_port(view.encoded_host_and_port());
  return Endpoint{scheme + "://" + host_port, without_empty_segments(view.encoded_path()),
                  lowercase_ascii(host_port)};
}

}  // namespace sg::marketo
