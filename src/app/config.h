// Config: every setting of the server, read once at start from an optional TOML file
// and then the SENDGUARD_* environment variables (which win). Defaults suit a laptop.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace sg::app {

struct Config {
  std::string db = "./data/sendguard.db";       // SQLite path, or a postgresql:// URL
  int db_pool = 8;  // PostgreSQL connections per instance; SQLite: read-only ones beside the writer
  std::string listen = "127.0.0.1:8080";
  std::optional<std::string> smtp_url;          // unset: .eml files under mail_dir
  std::optional<std::string> smtp_listen;       // SMTP submission (STARTTLS), host:port; unset = off
  std::optional<std::string> smtps_listen;      // SMTP submission over implicit TLS, host:port; unset = off
  std::string tls_cert;                         // PEM certificate chain of the SMTP listeners; empty = no TLS
  std::string tls_key;                          // its PEM private key
  size_t smtp_max_message_bytes = 25 << 20;     // SIZE: the largest message the relay accepts
  int smtp_max_connections = 100;               // open SMTP connections, both listeners together
  int smtp_command_timeout_seconds = 300;       // for one command line (RFC 5321 4.5.3.2)
  bool smtp_trust_loopback = true;              // AUTH without TLS on a loopback connection
  std::string mail_dir = "./data/mail";
  std::string public_url;                       // default: http://<listen>
  std::string secret_key_file;                  // default: secret.key beside the database
  int check_max_age_seconds = 60;
  std::string log_level = "info";
  size_t max_body_bytes = 1 << 20;             // JSON requests
  size_t max_import_bytes = 64 << 20;          // a CSV import of the suppression list (admins)
  size_t max_inflight_bytes = 256 << 20;       // request bodies being read or handled, together
  int max_connections = 1024;                  // open HTTP connections
  std::string metrics_token;                    // required by /metrics; empty: loopback peers only
  std::string web_dir;                          // default: web/ beside the binary's build folder, else ./web
  int session_ttl_seconds = 43200;

  int marketo_calls_per_20s = 50;
  int marketo_max_concurrent = 5;
  int marketo_timeout_ms = 10000;
  int marketo_daily_budget = 10000;   // REST calls per instance and client id per US Central day; 0 = unlimited
  int marketo_background_percent = 30;  // of the budget, the most the feed and write-backs spend
  int marketo_daily_quota = 50000;    // the instance's quota, shared with other integrations; 0 = unknown
  int marketo_team_concurrency = 4;   // one team's requests inside Marketo lookups at once (2x more may wait)
  bool marketo_allow_loopback = false;  // tests and demos: Marketo's stand-in on this machine
  int mirror_interval_seconds = 30;   // how often Marketo's activity feed is read
  int mirror_max_backoff = 10;        // a quiet feed is read down to every interval * this
  int mirror_reread_seconds = 1800;   // the feed is read again from the last re-read, for late activities
  int mirror_trust_hours = 24;        // how long a seen "not unsubscribed" is relied on
  bool mirror_seed = true;            // seed each team's mirror once from a bulk export of its leads
  int mirror_seed_poll_ms = 60000;    // between reads of an export's status (Marketo updates it once a minute)

  int outbox_workers = 4;
  int outbox_lease_ms = 30000;        // a dead instance's emails are taken over this long after it stopped renewing
  int retry_base_ms = 5000;
  int hold_retry_base_ms = 10000;
  int max_hold_hours = 72;

  bool postgresql() const;  // db is a PostgreSQL URL rather than a SQLite file
  std::string host() const;
  unsigned short port() const;
  // The ports of smtp_listen and smtps_listen, when set.
  std::optional<unsigned short> smtp_port() const;
  std::optional<unsigned short> smtps_port() const;
};

// Errors: config_error naming the file, key or variable at fault.
Result<Config> load_config(const std::optional<std::string>& file);

}  // namespace sg::app
