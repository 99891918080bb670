#include "settings/relay_credentials.h"

#include <boost/json.hpp>

#include "core/utf8.h"
#include "crypto/tokens.h"

namespace sg::settings {
namespace json = boost::json;
namespace {

constexpr size_t kMaxName = 100;  // characters

// C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded C2 80..C2 9F).
bool has_control_character(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return true;
  }
  return false;
}

size_t characters(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Status check_name(const std::string& name) {
  if (!is_valid_utf8(name)) return Error::invalid("name", "the name is not valid UTF-8");
  if (name.find_first_not_of(" \t") == std::string::npos) return Error::invalid("name", "enter a name, e.g. Salesforce");
  if (characters(name) > kMaxName) return Error::invalid("name", "a relay credential's name must be at most 100 characters");
  if (has_control_character(name)) return Error::invalid("name", "the name must not contain control characters");
  return Status::success();
}

std::string credential_json(const RelayCredential& c) {
  return json::serialize(json::object{
      {"id", c.id}, {"name", c.name}, {"username", c.username}, {"created_at", format_rfc3339(c.created_at)}});
}

Error no_credential(const std::string& id) { return Error::not_found("no relay credential " + id + " in your team"); }

}  // namespace

Status StoreRelayCredentials::may_manage(const Caller& caller) const {
  return require_admin(caller, "manage relay credentials");
}

Result<IssuedRelayCredential> StoreRelayCredentials::create(const Caller& caller, const std::string& name) {
  if (Status may = may_manage(caller); !may) return may.error();
  return add(caller.team_id, name, &caller);
}

Result<std::vector<RelayCredential>> StoreRelayCredentials::list(const Caller& caller) {
  if (Status may = may_manage(caller); !may) return may.error();
  return stores_.relay_credentials.list(caller.team_id);
}

Status StoreRelayCredentials::revoke(const Caller& caller, const std::string& id) {
  if (Status may = may_manage(caller); !may) return may;
  auto found = stores_.relay_credentials.find(id);
  // Another team's credential is reported exactly like one that does not exist.
  if (!found || found->team_id != caller.team_id) return no_credential(id);
  return remove(*found, &caller);
}

Result<IssuedRelayCredential> StoreRelayCredentials::create(const std::string& team_name, const std::string& name) {
  auto team = stores_.teams.find_by_name(team_name);
  if (!team) return Error::not_found("no team named " + team_name);
  return add(team->id, name, nullptr);
}

Result<std::vector<RelayCredential>> StoreRelayCredentials::list(const std::string& team_name) {
  auto team = stores_.teams.find_by_name(team_name);
  if (!team) return Error::not_found("no team named " + team_name);
  return stores_.relay_credentials.list(team->id);
}

Status StoreRelayCredentials::revoke(const std::string& id) {
  auto found = stores_.relay_credentials.find(id);
  if (!found) return Error::not_found("no relay credential " + id);
  return remove(*found, nullptr);
}

std::optional<RelayCredential> StoreRelayCredentials::verify(std::string_view username, std::string_view password) {
  // Hash first, so an unknown username and a wrong password cost the same.
  std::string presented = crypto::token_hash(password);
  if (!username.starts_with(kUsernamePrefix)) return std::nullopt;
  auto login = stores_.relay_credentials.find_by_username(std::string(username));
  if (!login || !crypto::same_hash(presented, login->password_hash)) return std::nullopt;
  return login->credential;
}

Result<IssuedRelayCredential> StoreRelayCredentials::add(const std::string& team_id, const std::string& name,
                                                         const Caller* actor) {
  if (Status ok = check_name(name); !ok) return ok.error();
  IssuedRelayCredential out{
      {crypto::random_id("rc_"), team_id, name, crypto::random_id(kUsernamePrefix), clock_.now()},
      crypto::random_token(kPasswordPrefix)};
  stores_.tx.transaction([&] {
    stores_.relay_credentials.add(out.info, crypto::token_hash(out.password));
    audit(team_id, actor, "relay_credential.created", std::nullopt, credential_json(out.info));
  });
  return out;
}

Status StoreRelayCredentials::remove(const RelayCredential& credential, const Caller* actor) {
  return stores_.tx.transaction([&]() -> Status {
    if (!stores_.relay_credentials.remove(credential.id)) return no_credential(credential.id);  // revoked meanwhile
    audit(credential.team_id, actor, "relay_credential.revoked", credential_json(credential), std::nullopt);
    return Status::success();
  });
}

void StoreRelayCredentials::audit(const std::string& team_id, const Caller* actor, const std::string& action,
                                  std::optional<std::string> before, std::optional<std::string> after) {
  stores_.audit.append({team_id, actor ? std::optional(actor->user_id) : std::nullopt,
                        actor ? std::optional(actor->email) : std::nullopt, action, std::move(before),
                        std::move(after), clock_.now()});
}

}  // namespace sg::settings
