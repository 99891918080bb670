#include "settings/accounts.h"

#include "core/email_address.h"
#include "crypto/tokens.h"

namespace sg::settings {
namespace {

constexpr std::string_view kTokenPrefix = "sgt_";
constexpr size_t kMaxTeamName = 200;
constexpr size_t kMinPassword = 8;
constexpr size_t kMaxTokenName = 100;
// An account that failed this often within the throttle's window, from any clients, is
// guessed at from many addresses: each further attempt waits, so guessing stays slow
// without locking out the owner.
constexpr int kSlowAccountAfter = 10;
constexpr Millis kSlowAccountDelay{1000};

}  // namespace

Caller caller_of(const store::User& u) { return {u.id, u.team_id, u.email, u.role == Role::Admin}; }

Result<CreatedUser> Accounts::add_user(const NewUser& request) {
  if (request.team_name.empty() || request.team_name.size() > kMaxTeamName)
    return Error::invalid("team", "team name must be 1 to 200 characters");
  auto email = EmailAddress::parse(request.email);
  if (!email) return Error::invalid("email", email.error().message);
  if (request.password && request.password->size() < kMinPassword)
    return Error::invalid("password", "password must be at least 8 characters");

  CreatedUser out;
  out.api_token = crypto::random_token(kTokenPrefix);
  out.user_id = crypto::random_id("us_");
  std::optional<std::string> password_hash;
  if (request.password) password_hash = crypto::hash_password(*request.password);
  TimePoint now = clock_.now();
  return stores_.tx.transaction([&]() -> Result<CreatedUser> {
    if (stores_.users.find_by_email(email->key())) {
      auto exists = Error::make(errc::user_exists, "a user with email " + email->original() + " already exists");
      exists.field = "email";
      return exists;
    }
    auto team = stores_.teams.find_by_name(request.team_name);
    if (!team) {
      team = stores_.teams.create(request.team_name, now);
      out.team_created = true;
    }
    out.team_id = team->id;
    stores_.users.create({out.user_id, team->id, email->original(), request.role, password_hash}, now);
    stores_.users.add_token({crypto::random_id("tk_"), out.user_id, "initial", now}, crypto::token_hash(out.api_token));
    return out;
  });
}

Status Accounts::set_password(const std::string& email, const std::string& password) {
  if (password.size() < kMinPassword) return Error::invalid("password", "password must be at least 8 characters");
  auto user = stores_.users.find_by_email(lowercase_ascii(email));
  if (!user) return Error::not_found("no user with email " + email);
  std::string hash = crypto::hash_password(password);
  // Whoever knew the old password may hold a session: it ends with the password.
  stores_.tx.transaction([&] {
    stores_.users.set_password_hash(user->id, hash);
    stores_.users.remove_sessions_of(user->id);
  });
  return Status::success();
}

Result<IssuedToken> Accounts::issue_token(const std::string& email, const std::string& name) {
  auto user = stores_.users.find_by_email(lowercase_ascii(email));
  if (!user) return Error::not_found("no user with email " + email);
  return add_token(user->id, name);
}

Result<IssuedToken> Accounts::add_token(const std::string& user_id, const std::string& name) {
  if (name.empty() || name.size() > kMaxTokenName)
    return Error::invalid("name", "a token's name must be 1 to 100 characters");
  IssuedToken out{{crypto::random_id("tk_"), user_id, name, clock_.now()}, crypto::random_token(kTokenPrefix)};
  stores_.users.add_token(out.info, crypto::token_hash(out.value));
  return out;
}

std::optional<Caller> Accounts::known_caller(const std::string& api_token) const {
  if (!api_token.starts_with(kTokenPrefix)) return std::nullopt;
  return callers_.find(crypto::token_hash(api_token));
}

std::optional<Caller> Accounts::authenticate(const std::string& api_token) {
  if (!api_token.starts_with(kTokenPrefix)) return std::nullopt;
  std::string hash = crypto::token_hash(api_token);
  if (auto cached = callers_.find(hash)) return cached;
  const uint64_t read_at = callers_.generation();
  auto user = stores_.users.find_by_token_hash(hash);
  if (!user) return std::nullopt;
  Caller caller = caller_of(*user);
  callers_.put(hash, caller, read_at);
  return caller;
}

Result<WebSession> Accounts::sign_in(const std::string& email, const std::string& password,
                                     const std::string& client) {
  TimePoint now = clock_.now();
  std::string account = lowercase_ascii(email);
  std::string pair_key = "pair:" + client + " " + account;
  std::string client_key = "client:" + client;
  std::string account_key = "account:" + account;
  // Counted before hashing, so that parallel guesses cannot all get past the check.
  if (Millis wait = throttle_.reserve({pair_key, client_key}, now); wait.count() > 0)
    return too_many_attempts(wait, "too many failed sign-ins");
  if (throttle_.recent_failures(account_key, now) >= kSlowAccountAfter) clock_.sleep_for(kSlowAccountDelay);
  auto slot = hash_slots_.acquire();
  if (!slot) {  // no password was checked: the attempt counts against nobody
    throttle_.refund(pair_key);
    throttle_.refund(client_key);
    return too_many_attempts(Millis(1000), "too many sign-ins at once");
  }

  auto user = stores_.users.find_by_email(account);
  // An unknown address costs the same hashing time as a wrong password: no user probing.
  static const std::string kDummyHash = crypto::hash_password("no such user");
  bool ok = crypto::verify_password(password, user && user->password_hash ? *user->password_hash : kDummyHash) &&
            user && user->password_hash;
  slot.reset();
  if (!ok) {
    throttle_.failed(account_key, clock_.now());
    return Error::unauthorized("the email or password is not right");
  }
  throttle_.succeeded(pair_key);
  throttle_.succeeded(account_key);
  throttle_.refund(client_key);  // the client's other failures still count
  now = clock_.now();
  WebSession s{caller_of(*user), "", crypto::random_token("sgs_"), crypto::random_token(""), now + session_ttl_};
  if (auto team = stores_.users.team_of(user->id)) s.team_name = team->name;
  stores_.users.add_session(crypto::token_hash(s.session_token), {user->id, s.csrf_token, s.expires_at}, now);
  return s;
}

std::optional<WebSession> Accounts::session(const std::string& session_token) {
  if (!session_token.starts_with("sgs_")) return std::nullopt;
  auto found = stores_.users.find_session(crypto::token_hash(session_token), clock_.now());
  if (!found) return std::nullopt;
  auto user = stores_.users.find_by_id(found->user_id);
  if (!user) return std::nullopt;
  WebSession s{caller_of(*user), "", "", found->csrf_token, found->expires_at};
  if (auto team = stores_.users.team_of(user->id)) s.team_name = team->name;
  return s;
}

void Accounts::sign_out(const std::string& session_token) {
  stores_.users.remove_session(crypto::token_hash(session_token));
}

}  // namespace sg::settings
