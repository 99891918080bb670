#include "app/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>

namespace sg::app {
namespace {

Error config_error(std::string message) { return Error::make(errc::config_error, std::move(message)); }

template <class Int>
Status parse_int(const std::string& name, const std::string& text, Int min, Int& out) {
  Int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min)
    return config_error(name + " must be a whole number >= " + std::to_string(min) + ", got '" + text + "'");
  out = v;
  return Status::success();
}

// One setting: its TOML key, its environment variable, and how to store a text value.
struct Setting {
  const char* toml_key;
  const char* env;
  std::function<Status(const std::string& name, const std::string& value, Config&)> apply;
};

Setting text(const char* key, const char* env, std::string Config::*field) {
  return {key, env, [field](const std::string&, const std::string& v, Config& c) {
            c.*field = v;
            return Status::success();
          }};
}

template <class Int>
Setting number(const char* key, const char* env, Int Config::*field, Int min) {
  return {key, env, [field, min](const std::string& name, const std::string& v, Config& c) {
            return parse_int(name, v, min, c.*field);
          }};
}

// An optional text: empty unsets it.
Setting optional_text(const char* key, const char* env, std::optional<std::string> Config::*field) {
  return {key, env, [field](const std::string&, const std::string& v, Config& c) {
            if (v.empty()) (c.*field).reset();
            else c.*field = v;
            return Status::success();
          }};
}

Setting flag(const char* key, const char* env, bool Config::*field) {
  return {key, env, [field](const std::string& name, const std::string& v, Config& c) {
            if (v != "0" && v != "1" && v != "true" && v != "false")
              return Status(config_error(name + " must be 1, 0, true or false, got '" + v + "'"));
            c.*field = v == "1" || v == "true";
            return Status::success();
          }};
}

std::vector<Setting> settings() {
  return {
      text("db", "SENDGUARD_DB", &Config::db),
      number("db_pool", "SENDGUARD_DB_POOL", &Config::db_pool, 1),
      text("listen", "SENDGUARD_LISTEN", &Config::listen),
      optional_text("smtp_url", "SENDGUARD_SMTP_URL", &Config::smtp_url),
      optional_text("smtp.listen", "SENDGUARD_SMTP_LISTEN", &Config::smtp_listen),
      optional_text("smtp.tls_listen", "SENDGUARD_SMTPS_LISTEN", &Config::smtps_listen),
      text("smtp.tls_cert", "SENDGUARD_TLS_CERT", &Config::tls_cert),
      text("smtp.tls_key", "SENDGUARD_TLS_KEY", &Config::tls_key),
      number("smtp.max_message_bytes", "SENDGUARD_SMTP_MAX_MESSAGE_BYTES", &Config::smtp_max_message_bytes,
             size_t{1024}),
      number("smtp.max_connections", "SENDGUARD_SMTP_MAX_CONNECTIONS", &Config::smtp_max_connections, 1),
      number("smtp.command_timeout_seconds", "SENDGUARD_SMTP_COMMAND_TIMEOUT", &Config::smtp_command_timeout_seconds,
             1),
      flag("smtp.trust_loopback", "SENDGUARD_SMTP_TRUST_LOOPBACK", &Config::smtp_trust_loopback),
      text("mail_dir", "SENDGUARD_MAIL_DIR", &Config::mail_dir),
      text("public_url", "SENDGUARD_PUBLIC_URL", &Config::public_url),
      text("secret_key_file", "SENDGUARD_SECRET_KEY_FILE", &Config::secret_key_file),
      number("check_max_age", "SENDGUARD_CHECK_MAX_AGE", &Config::check_max_age_seconds, 0),
      text("log_level", "SENDGUARD_LOG_LEVEL", &Config::log_level),
      text("web_dir", "SENDGUARD_WEB_DIR", &Config::web_dir),
      number("session_ttl", "SENDGUARD_SESSION_TTL", &Config::session_ttl_seconds, 1),
      number("http.max_body_bytes", "SENDGUARD_MAX_BODY_BYTES", &Config::max_body_bytes, size_t{1024}),
      number("http.max_import_bytes", "SENDGUARD_MAX_IMPORT_BYTES", &Config::max_import_bytes, size_t{1024}),
      number("http.max_inflight_bytes", "SENDGUARD_MAX_INFLIGHT_BYTES", &Config::max_inflight_bytes, size_t{1024}),
      number("http.max_connections", "SENDGUARD_MAX_CONNECTIONS", &Config::max_connections, 1),
      text("metrics_token", "SENDGUARD_METRICS_TOKEN", &Config::metrics_token),
      number("marketo.calls_per_20s", "SENDGUARD_MARKETO_CALLS_PER_20S", &Config::marketo_calls_per_20s, 1),
      number("marketo.max_concurrent", "SENDGUARD_MARKETO_MAX_CONCURRENT", &Config::marketo_max_concurrent, 1),
      number("marketo.timeout_ms", "SENDGUARD_MARKETO_TIMEOUT_MS", &Config::marketo_timeout_ms, 100),
      number("marketo.daily_budget", "SENDGUARD_MARKETO_DAILY_BUDGET", &Config::marketo_daily_budget, 0),
      number("marketo.background_percent", "SENDGUARD_MARKETO_BACKGROUND_PERCENT",
             &Config::marketo_background_percent, 1),
      number("marketo.daily_quota", "SENDGUARD_MARKETO_DAILY_QUOTA", &Config::marketo_daily_quota, 0),
      number("marketo.team_concurrency", "SENDGUARD_MARKETO_TEAM_CONCURRENCY", &Config::marketo_team_concurrency, 1),
      flag("marketo.allow_loopback", "SENDGUARD_ALLOW_LOOPBACK_MARKETO", &Config::marketo_allow_loopback),
      number("marketo.mirror_interval_seconds", "SENDGUARD_MIRROR_INTERVAL", &Config::mirror_interval_seconds, 1),
      number("marketo.mirror_max_backoff", "SENDGUARD_MIRROR_MAX_BACKOFF", &Config::mirror_max_backoff, 1),
      number("marketo.mirror_reread_seconds", "SENDGUARD_MIRROR_REREAD", &Config::mirror_reread_seconds, 1),
      number("marketo.mirror_trust_hours", "SENDGUARD_MIRROR_TRUST_HOURS", &Config::mirror_trust_hours, 1),
      flag("marketo.mirror_seed", "SENDGUARD_MIRROR_SEED", &Config::mirror_seed),
      number("marketo.mirror_seed_poll_ms", "SENDGUARD_MIRROR_SEED_POLL_MS", &Config::mirror_seed_poll_ms, 10),
      number("outbox.workers", "SENDGUARD_OUTBOX_WORKERS", &Config::outbox_workers, 1),
      number("outbox.lease_ms", "SENDGUARD_OUTBOX_LEASE_MS", &Config::outbox_lease_ms, 300),
      number("outbox.retry_base_ms", "SENDGUARD_RETRY_BASE_MS", &Config::retry_base_ms, 10),
      number("outbox.hold_retry_base_ms", "SENDGUARD_HOLD_RETRY_BASE_MS", &Config::hold_retry_base_ms, 10),
      number("outbox.max_hold_hours", "SENDGUARD_MAX_HOLD_HOURS", &Config::max_hold_hours, 1),
  };
}

std::optional<std::string> toml_text(const toml::table& t, const char* dotted_key) {
  auto node = t.at_path(dotted_key);
  if (!node) return std::nullopt;
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  return "";  // present but of another type: let the setting reject it
}

// The repository's web/ when running build/sendguard, else ./web.
std::string default_web_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = exe.parent_path().parent_path() / "web";
    if (std::filesystem::exists(beside / "index.html", ec)) return beside.string();
  }
  return "web";
}

Status check_host_port(const std::string& name, const std::string& value) {
  auto colon = value.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 || !parse_int(name + " port", value.substr(colon + 1), 0, port) ||
      port > 65535)
    return config_error(name + " must be host:port, got '" + value + "'");
  return Status::success();
}

std::optional<unsigned short> port_of(const std::optional<std::string>& host_port) {
  if (!host_port) return std::nullopt;
  return static_cast<unsigned short>(std::stoi(host_port->substr(host_port->rfind(':') + 1)));
}

Status finish(Config& c) {
  if (Status s = check_host_port("SENDGUARD_LISTEN", c.listen); !s) return s;
  if (c.smtp_listen)
    if (Status s = check_host_port("SENDGUARD_SMTP_LISTEN", *c.smtp_listen); !s) return s;
  if (c.smtps_listen)
    if (Status s = check_host_port("SENDGUARD_SMTPS_LISTEN", *c.smtps_listen); !s) return s;
  if (c.tls_cert.empty() != c.tls_key.empty())
    return config_error("SENDGUARD_TLS_CERT and SENDGUARD_TLS_KEY go together: set both or neither");
  if (c.smtps_listen && c.tls_cert.empty())
    return config_error("SENDGUARD_SMTPS_LISTEN needs a certificate: set SENDGUARD_TLS_CERT and SENDGUARD_TLS_KEY");
  if (c.marketo_background_percent > 100)
    return config_error("SENDGUARD_MARKETO_BACKGROUND_PERCENT must be at most 100, got " +
                        std::to_string(c.marketo_background_percent));
  if (c.max_import_bytes < c.max_body_bytes)
    return config_error("SENDGUARD_MAX_IMPORT_BYTES must be at least SENDGUARD_MAX_BODY_BYTES");
  if (c.max_inflight_bytes < c.max_import_bytes)
    return config_error("SENDGUARD_MAX_INFLIGHT_BYTES must be at least SENDGUARD_MAX_IMPORT_BYTES");
  if (c.public_url.empty()) c.public_url = "http://" + c.listen;
  if (!c.public_url.starts_with("http://") && !c.public_url.starts_with("https://"))
    return config_error("SENDGUARD_PUBLIC_URL must be an http:// or https:// URL, got '" + c.public_url + "'");
  while (c.public_url.ends_with('/')) c.public_url.pop_back();
  // Every instance on one database must seal and open its secrets with the same key.
  if (c.secret_key_file.empty() && c.postgresql())
    return config_error("SENDGUARD_SECRET_KEY_FILE must be set with a PostgreSQL SENDGUARD_DB: every instance "
                        "sharing the database needs the same key file");
  if (c.secret_key_file.empty())
    c.secret_key_file = (std::filesystem::path(c.db).parent_path() / "secret.key").string();
  if (c.web_dir.empty()) c.web_dir = default_web_dir();
  if (c.smtp_url && !c.smtp_url->starts_with("smtp://") && !c.smtp_url->starts_with("smtps://"))
    return config_error("SENDGUARD_SMTP_URL must start with smtp:// or smtps://");
  return Status::success();
}

}  // namespace

bool Config::postgresql() const { return db.starts_with("postgresql://") || db.starts_with("postgres://"); }

std::string Config::host() const { return listen.substr(0, listen.rfind(':')); }

unsigned short Config::port() const { return *port_of(listen); }

std::optional<unsigned short> Config::smtp_port() const { return port_of(smtp_listen); }

std::optional<unsigned short> Config::smtps_port() const { return port_of(smtps_listen); }

Result<Config> load_config(const std::optional<std::string>& file) {
  Config c;
  auto all = settings();
  if (file) {
    toml::table table;
    try {
      table = toml::parse_file(*file);
    } catch (const toml::parse_error& e) {
      return config_error("config file " + *file + ": " + std::string(e.description()));
    }
    for (const auto& s : all)
      if (auto v = toml_text(table, s.toml_key))
        if (Status st = s.apply(*file + ": " + s.toml_key, *v, c); !st) return st.error();
  }
  for (const auto& s : all)
    if (const char* v = std::getenv(s.env))
      if (Status st = s.apply(s.env, v, c); !st) return st.error();
  if (Status st = finish(c); !st) return st.error();
  return c;
}

}  // namespace sg::app
