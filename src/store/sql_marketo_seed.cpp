// The mirror seed's progress in SQL.
#include "store/sql_repos.h"
#include "store/time_columns.h"

namespace sg::store {
namespace {

SeedPhase phase_named(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kSeedPhaseNames)); ++i)
    if (kSeedPhaseNames[i] == name) return static_cast<SeedPhase>(i);
  return SeedPhase::not_started;  // an unknown phase is seeded again rather than trusted
}

}  // namespace

SeedState SqlMarketoSync::seed_state(const std::string& team_id) {
  auto conn = db_.connect();
  auto s = conn.prepare(
      "SELECT instance, phase, export_id, polls, window_end, empty_windows, addresses, failures, next_step_at, "
      "started_at, finished_at, last_error FROM marketo_seed WHERE team_id = ?");
  s.bind(team_id);
  if (!s.step()) return {};
  return {s.text(0),
          phase_named(s.text(1)),
          s.opt_text(2),
          static_cast<int>(s.integer(3)),
          opt_time(s.opt_integer(4)),
          static_cast<int>(s.integer(5)),
          s.integer(6),
          static_cast<int>(s.integer(7)),
          opt_time(s.opt_integer(8)),
          opt_time(s.opt_integer(9)),
          opt_time(s.opt_integer(10)),
          s.opt_text(11).value_or("")};
}

void SqlMarketoSync::put_seed_state(const std::string& team_id, const SeedState& v) {
  auto conn = db_.connect();
  conn.prepare(
         "INSERT INTO marketo_seed (team_id, instance, phase, export_id, polls, window_end, empty_windows, addresses, "
         "failures, next_step_at, started_at, finished_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(team_id) DO UPDATE SET instance = excluded.instance, phase = excluded.phase, "
         "export_id = excluded.export_id, polls = excluded.polls, window_end = excluded.window_end, "
         "empty_windows = excluded.empty_windows, addresses = excluded.addresses, failures = excluded.failures, "
         "next_step_at = excluded.next_step_at, started_at = excluded.started_at, "
         "finished_at = excluded.finished_at, last_error = excluded.last_error")
      .bind_all(team_id, v.instance, std::string(seed_phase_name(v.phase)), v.export_id, v.polls, opt_ms(v.window_end),
                v.empty_windows, v.addresses, v.failures, opt_ms(v.next_step_at), opt_ms(v.started_at),
                opt_ms(v.finished_at), v.last_error.empty() ? std::nullopt : std::optional(v.last_error))
      .run();
  changes_.changed(db_, team_id);
}

}  // namespace sg::store
