// Route: /smtp-settings — where email clients submit mail (the web app's "Email client
// set-up" page shows it), for any signed-in member.
#include <boost/json.hpp>

#include "http/api.h"
#include "http/json_body.h"

namespace sg::http {
namespace json = boost::json;
namespace {

json::value port_or_null(const std::optional<unsigned short>& port) {
  return port ? json::value(*port) : json::value(nullptr);
}

}  // namespace

void Api::add_smtp_settings_routes() {
  add("GET", "/smtp-settings", [this](Request&, const Caller&) {
    const ApiOptions& o = s_.options;
    return json_response(200, json::object{
                                  {"enabled", o.smtp_port.has_value() || o.smtps_port.has_value()},
                                  {"host", o.smtp_host.empty() ? json::value(nullptr) : json::value(o.smtp_host)},
                                  {"port", port_or_null(o.smtp_port)},
                                  {"tls_port", port_or_null(o.smtps_port)},
                              });
  });
}

}  // namespace sg::http
