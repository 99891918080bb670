#include "settings/team_settings.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <map>

#include "marketo/endpoint.h"
#include "marketo/error_codes.h"
#include "settings/endpoint_url.h"

namespace sg::settings {
namespace json = boost::json;
namespace {

std::string settings_json(const store::UnsubscribeSettings& s) {
  return json::serialize(json::object{{"marketo_check_enabled", s.marketo_check_enabled},
                                      {"on_check_unavailable", std::string(to_string(s.on_check_unavailable))}});
}

std::string connection_json(const ConnectionView& c) {
  return json::serialize(json::object{{"rest_endpoint", c.rest_endpoint},
                                      {"identity_endpoint", c.identity_endpoint},
                                      {"client_id", c.client_id}});
}

// The Marketo instance a REST endpoint belongs to: its host (the Munchkin id's).
std::string instance_of(const std::string& rest_endpoint) {
  auto endpoint = marketo::parse_endpoint(rest_endpoint);
  return endpoint ? endpoint->instance : rest_endpoint;
}

ConnectionView view_of(const store::MarketoConnection& c) {
  return {c.rest_endpoint, c.identity_endpoint, c.client_id, c.verified_at, {}, {}, {}, {}};
}

// A failed verification in words of our own: the remote text (and curl's) would tell an
// admin probing internal hosts what answered there.
Error connect_failure(const Error& e) {
  static const std::map<std::string_view, std::string> kMessages{
      {marketo::errc::auth_failed, "Marketo's Identity endpoint refused the client id and secret"},
      {marketo::errc::rest_auth_failed,
       "the REST endpoint did not accept the Identity endpoint's token: both must belong to the same Marketo "
       "instance"},
      {marketo::errc::rest_unreachable, "the Marketo REST endpoint could not be reached or did not answer as Marketo"},
      {marketo::errc::access_denied, "the Marketo API user may not read leads and activities"},
      {marketo::errc::address_refused,
       "the Marketo endpoint resolves to a private, loopback, link-local or otherwise internal address"},
  };
  auto it = kMessages.find(e.code);
  if (it != kMessages.end()) return Error::make(e.code, it->second);
  return Error::make(marketo::errc::unreachable, "the Marketo Identity endpoint could not be reached");
}

}  // namespace

TeamSettings::TeamSettings(TeamSettingsStores stores, SettingsCache& cache, marketo::Client& marketo, Clock& clock,
                           std::function<void(const std::string&)> connection_changed, bool allow_loopback)
    : stores_(stores),
      cache_(cache),
      marketo_(marketo),
      clock_(clock),
      connection_changed_(std::move(connection_changed)),
      allow_loopback_(allow_loopback) {}

store::UnsubscribeSettings TeamSettings::get(const Caller& caller) {
  return stores_.settings.get(caller.team_id);
}

Status TeamSettings::may_change(const Caller& caller) const {
  return require_admin(caller, "change the unsubscribe settings");
}

Status TeamSettings::may_set_mirror(const Caller& caller) const {
  return require_admin(caller, "change how the mirror is used");
}

Status TeamSettings::may_connect(const Caller& caller) const { return require_admin(caller, "connect Marketo"); }

Result<store::UnsubscribeSettings> TeamSettings::change(const Caller& caller, const SettingsChange& change) {
  if (Status may = may_change(caller); !may) return may.error();
  auto changed = stores_.tx.transaction([&]() -> Result<store::UnsubscribeSettings> {
    auto before = stores_.settings.get(caller.team_id);
    auto after = before;
    if (change.marketo_check_enabled) after.marketo_check_enabled = *change.marketo_check_enabled;
    if (change.on_check_unavailable) after.on_check_unavailable = *change.on_check_unavailable;
    if (after.marketo_check_enabled && !before.marketo_check_enabled &&
        !stores_.connections.get(caller.team_id)) {
      return Error::make(marketo::errc::not_connected,
                         "connect Marketo (PUT /api/v1/integrations/marketo) before enabling the check");
    }
    stores_.settings.put(caller.team_id, after, clock_.now());
    if (settings_json(before) != settings_json(after))
      audit(caller, "settings.unsubscribe.updated", settings_json(before), settings_json(after));
    return after;
  });
  if (changed) cache_.forget(caller.team_id);
  return changed;
}

Result<store::UnsubscribeSettings> TeamSettings::set_mirror_authoritative(const Caller& caller, bool authoritative) {
  if (Status may = may_set_mirror(caller); !may) return may.error();
  store::UnsubscribeSettings after;
  stores_.tx.transaction([&] {
    after = stores_.settings.get(caller.team_id);
    bool before = after.mirror_authoritative;
    after.mirror_authoritative = authoritative;
    stores_.settings.put(caller.team_id, after, clock_.now());
    if (before != authoritative)
      audit(caller, "settings.mirror.updated", json::serialize(json::object{{"authoritative", before}}),
            json::serialize(json::object{{"authoritative", authoritative}}));
  });
  cache_.forget(caller.team_id);
  return after;
}

ConnectOutcome TeamSettings::connect(const Caller& caller, const ConnectionInput& in) {
  if (Status may = may_connect(caller); !may) return {may.error(), {}};
  auto rest = normalize_endpoint("rest_endpoint", in.rest_endpoint, allow_loopback_);
  if (!rest) return {rest.error(), {}};
  auto identity = normalize_endpoint("identity_endpoint", in.identity_endpoint, allow_loopback_);
  if (!identity) return {identity.error(), {}};
  if (in.client_id.empty()) return {Error::invalid("client_id", "client_id is required"), {}};
  if (in.client_secret.empty()) return {Error::invalid("client_secret", "client_secret is required"), {}};

  {
    std::lock_guard lock(connecting_mu_);
    if (!connecting_.insert(caller.team_id).second)
      return {Error::make(errc::rate_limited, "the team's Marketo connection is already being verified; retry shortly"),
              {}};
  }
  struct Done {
    TeamSettings& self;
    const std::string& team;
    ~Done() {
      std::lock_guard lock(self.connecting_mu_);
      self.connecting_.erase(team);
    }
  } done{*this, caller.team_id};

  store::MarketoConnection c{*rest, *identity, in.client_id, in.client_secret, clock_.now()};
  marketo::ConnectionReport report =
      marketo_.verify({c.rest_endpoint, c.identity_endpoint, c.client_id, c.client_secret});
  if (!report.ok()) {
    spdlog::warn("team {}: Marketo connection to {} (client {}) refused: {} ({})", caller.team_id, c.rest_endpoint,
                 c.client_id, report.error().message, report.error().code);
    return {connect_failure(report.error()), std::move(report.checks)};
  }
  bool other_instance = true;
  stores_.tx.transaction([&] {
    auto before = stores_.connections.get(caller.team_id);
    // New credentials for the same instance (a rotated secret) keep what was learned.
    other_instance = !before || instance_of(before->rest_endpoint) != instance_of(c.rest_endpoint);
    stores_.connections.put(caller.team_id, c);
    if (other_instance) stores_.marketo_sync.forget_instance(caller.team_id);
    audit(caller, "integrations.marketo.connected",
          before ? std::optional(connection_json(view_of(*before))) : std::nullopt,
          connection_json(view_of(c)));
  });
  if (other_instance) connection_changed_(caller.team_id);
  return {view_of(c), std::move(report.checks)};
}

Result<ConnectionView> TeamSettings::connection(const Caller& caller) {
  if (Status may = require_admin(caller, "view the Marketo connection"); !may) return may.error();
  auto c = stores_.connections.get(caller.team_id);
  if (!c) return Error::not_found("the team has no Marketo connection");
  ConnectionView view = view_of(*c);
  view.sync = stores_.marketo_sync.sync_state(caller.team_id);
  if (view.sync.last_success_at)
    view.sync_lag_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - *view.sync.last_success_at).count();
  view.usage = marketo_.usage({c->rest_endpoint, c->identity_endpoint, c->client_id, c->client_secret});
  view.seed = stores_.marketo_sync.seed_state(caller.team_id);
  if (view.seed.instance != c->rest_endpoint) view.seed = {};
  return view;
}

Status TeamSettings::disconnect(const Caller& caller) {
  if (Status may = require_admin(caller, "disconnect Marketo"); !may) return may;
  Status removed = stores_.tx.transaction([&]() -> Status {
    auto before = stores_.connections.get(caller.team_id);
    if (!before) return Error::not_found("the team has no Marketo connection");
    if (stores_.settings.get(caller.team_id).marketo_check_enabled)
      return Error::make(errc::check_enabled, "turn the Marketo unsubscribe check off before disconnecting");
    stores_.connections.remove(caller.team_id);
    audit(caller, "integrations.marketo.disconnected", connection_json(view_of(*before)), std::nullopt);
    return Status::success();
  });
  if (!removed) return removed;
  connection_changed_(caller.team_id);
  return Status::success();
}

void TeamSettings::audit(const Caller& caller, const std::string& action,
                         std::optional<std::string> before, std::optional<std::string> after) {
  stores_.audit.append({caller.team_id, caller.user_id, caller.email, action, std::move(before),
                        std::move(after), clock_.now()});
}

}  // namespace sg::settings
