// Marketo's limits in SQL, one ledger for every instance sharing the database: each change
// is one short transaction that locks the key's row first (FOR UPDATE on PostgreSQL; on
// SQLite the transaction holds the write lock from its start).
#include "store/sql_repos.h"

#include "store/json_columns.h"

namespace sg::store {
namespace {

// Every statement reading days lists their columns in this order (day_of).
const std::string kSelectDays =
    "SELECT day_ends, calls, background_calls, other_calls, warned, calls_by_kind, usage_read_at, "
    "quota_spent_until FROM marketo_budget_days";
const std::string kSelectDay = kSelectDays + " WHERE limits_key = ?";
const std::string kLockDayOnPostgres = kSelectDay + " FOR UPDATE";
const Sql kLockDay{kSelectDay, kLockDayOnPostgres};

constexpr Sql kLockWindow{"SELECT paused_until, held_until FROM marketo_call_windows WHERE limits_key = ?",
                          "SELECT paused_until, held_until FROM marketo_call_windows WHERE limits_key = ? FOR UPDATE"};

constexpr Sql kExtendPause{
    "INSERT INTO marketo_call_windows (limits_key, paused_until, held_until) VALUES (?, ?, ?) "
    "ON CONFLICT(limits_key) DO UPDATE SET paused_until = max(paused_until, excluded.paused_until), "
    "held_until = max(held_until, excluded.held_until)",
    "INSERT INTO marketo_call_windows (limits_key, paused_until, held_until) VALUES (?, ?, ?) "
    "ON CONFLICT(limits_key) DO UPDATE SET paused_until = GREATEST(marketo_call_windows.paused_until, "
    "excluded.paused_until), held_until = GREATEST(marketo_call_windows.held_until, excluded.held_until)"};

marketo::BudgetDay day_of(const Stmt& s) {
  return marketo::BudgetDay{.ends = from_unix_millis(s.integer(0)),
                            .calls_by_kind = from_json_counts(s.text(5)),
                            .calls = s.integer(1),
                            .background_calls = s.integer(2),
                            .others = s.integer(3),
                            .warned = s.integer(4) != 0,
                            .usage_read = from_unix_millis(s.integer(6)),
                            .quota_spent_until = from_unix_millis(s.integer(7))};
}

}  // namespace

void SqlMarketoLimits::change(const std::string& key, const std::function<bool(marketo::BudgetDay&)>& change) {
  db_.transaction([&] {
    auto conn = db_.connect();
    // The row exists before it is locked: two first calls of a day cannot both insert it.
    conn.prepare("INSERT INTO marketo_budget_days (limits_key) VALUES (?) ON CONFLICT(limits_key) DO NOTHING")
        .bind(key)
        .run();
    auto locked = conn.prepare(kLockDay);
    locked.bind(key);
    if (!locked.step()) throw StoreError("marketo budget row of " + key + " vanished");
    marketo::BudgetDay day = day_of(locked);
    locked.reset();
    if (!change(day)) return;
    conn.prepare("UPDATE marketo_budget_days SET day_ends = ?, calls = ?, background_calls = ?, other_calls = ?, "
                 "warned = ?, calls_by_kind = ?, usage_read_at = ?, quota_spent_until = ? WHERE limits_key = ?")
        .bind_all(to_unix_millis(day.ends), day.calls, day.background_calls, day.others, day.warned,
                  to_json_counts(day.calls_by_kind), to_unix_millis(day.usage_read),
                  to_unix_millis(day.quota_spent_until), key)
        .run();
  });
}

marketo::BudgetDay SqlMarketoLimits::read(const std::string& key) {
  auto conn = db_.connect();
  auto s = conn.prepare(kSelectDay);
  s.bind(key);
  return s.step() ? day_of(s) : marketo::BudgetDay{};
}

std::vector<marketo::BudgetDay> SqlMarketoLimits::days() {
  auto conn = db_.connect();
  auto s = conn.prepare(kSelectDays);
  std::vector<marketo::BudgetDay> all;
  while (s.step()) all.push_back(day_of(s));
  return all;
}

std::optional<int64_t> SqlMarketoLimits::start_if(const std::string& key, TimePoint now, Millis window,
                                                  TimePoint expires,
                                                  const std::function<bool(const marketo::WindowState&)>& may_start) {
  return db_.transaction([&]() -> std::optional<int64_t> {
    auto conn = db_.connect();
    conn.prepare("INSERT INTO marketo_call_windows (limits_key) VALUES (?) ON CONFLICT(limits_key) DO NOTHING")
        .bind(key)
        .run();
    marketo::WindowState state;
    {
      auto locked = conn.prepare(kLockWindow);
      locked.bind(key);
      if (!locked.step()) throw StoreError("marketo call window row of " + key + " vanished");
      state.paused_until = from_unix_millis(locked.integer(0));
      state.held_until = from_unix_millis(locked.integer(1));
    }
    const int64_t now_ms = to_unix_millis(now);
    // A start at s counts against every instant in [s, s + window), as in CallWindow.
    conn.prepare("DELETE FROM marketo_call_starts WHERE limits_key = ? AND started_at <= ?")
        .bind_all(key, to_unix_millis(now - window))
        .run();
    conn.prepare("DELETE FROM marketo_call_permits WHERE limits_key = ? AND expires_at <= ?")
        .bind_all(key, now_ms)
        .run();
    {
      auto starts = conn.prepare("SELECT started_at FROM marketo_call_starts WHERE limits_key = ? ORDER BY started_at");
      starts.bind(key);
      while (starts.step()) state.starts.push_back(from_unix_millis(starts.integer(0)));
    }
    {
      auto permits = conn.prepare("SELECT COUNT(*) FROM marketo_call_permits WHERE limits_key = ?");
      permits.bind(key);
      permits.step();
      state.in_flight = static_cast<int>(permits.integer(0));
    }
    if (!may_start(state)) return std::nullopt;
    conn.prepare("INSERT INTO marketo_call_starts (limits_key, started_at) VALUES (?, ?)").bind_all(key, now_ms).run();
    auto permit = conn.prepare("INSERT INTO marketo_call_permits (limits_key, expires_at) VALUES (?, ?) RETURNING id");
    permit.bind_all(key, to_unix_millis(expires));
    if (!permit.step()) throw StoreError("no id for a marketo call permit of " + key);
    return permit.integer(0);
  });
}

void SqlMarketoLimits::release(int64_t permit) {
  auto conn = db_.connect();
  conn.prepare("DELETE FROM marketo_call_permits WHERE id = ?").bind(permit).run();
}

void SqlMarketoLimits::pause_until(const std::string& key, TimePoint until, bool hold) {
  const int64_t until_ms = to_unix_millis(until);
  auto conn = db_.connect();
  conn.prepare(kExtendPause).bind_all(key, until_ms, hold ? until_ms : int64_t{0}).run();
}

}  // namespace sg::store
