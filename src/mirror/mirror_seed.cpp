#include "mirror/mirror_seed.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/backoff.h"
#include "marketo/error_codes.h"
#include "mirror/marketo_source.h"

namespace sg::mirror {

using store::SeedPhase;
using store::SeedState;

namespace {

// Nothing to do for now: the instance's seed is done, or waits (for a job's next status
// read, or to retry).
bool resting(const SeedState& state, TimePoint now) {
  return state.phase == SeedPhase::done || (state.next_step_at && now < *state.next_step_at);
}

}  // namespace

MirrorSeed::MirrorSeed(MirrorStores stores, marketo::Client& client, Clock& clock, SeedOptions options)
    : stores_(stores), client_(client), clock_(clock), options_(options) {}

void MirrorSeed::step(const std::string& team_id) {
  auto connection = stores_.connections.get(team_id);
  if (!connection) return;
  const marketo::Credentials creds = credentials_of(*connection);
  auto& sync = stores_.marketo_sync;
  SeedState state = sync.seed_state(team_id);
  const TimePoint now = clock_.now();
  if (state.instance != creds.rest_endpoint) {
    // Never seeded, or seeded from another instance: its addresses say nothing of this one.
    state = SeedState{};
    state.instance = creds.rest_endpoint;
    state.phase = SeedPhase::running;
    state.window_end = now;
    state.started_at = now;
  }
  if (resting(state, now)) return;
  state.phase = SeedPhase::running;
  if (Status s = advance(team_id, creds, state); !s) {
    state.phase = SeedPhase::failed;
    state.last_error = s.error().message;
    state.failures += 1;
    state.next_step_at = now + std::max(capped_backoff(options_.retry_base, options_.retry_max, state.failures),
                                        Millis(1000LL * s.error().retry_after_seconds));
    spdlog::warn("mirror seed: team {}: {}; retry at {}", team_id, state.last_error,
                 format_rfc3339(*state.next_step_at));
  }
  sync.put_seed_state(team_id, state);
}

bool MirrorSeed::due(const std::string& team_id, TimePoint now) {
  auto connection = stores_.connections.get(team_id);
  if (!connection) return false;
  SeedState state = stores_.marketo_sync.seed_state(team_id);
  return state.instance != connection->rest_endpoint || !resting(state, now);
}

Status MirrorSeed::advance(const std::string& team_id, const marketo::Credentials& creds, SeedState& state) {
  if (state.export_id) {
    auto job = client_.lead_export_status(creds, *state.export_id);
    if (!job) return job.error();
    switch (job->status) {
      case marketo::ExportStatus::completed: {
        Result<int64_t> rows = record(team_id, creds, state);
        if (!rows) return rows.error();
        next_window(state, *rows);
        if (state.phase == SeedPhase::done) return Status::success();
        break;  // on to the next window's export at once
      }
      case marketo::ExportStatus::failed:
      case marketo::ExportStatus::cancelled:
        // Marketo cannot resume such a job: the window is exported again by a new one.
        state.export_id.reset();
        return Error::make(marketo::errc::error, "the export of leads created before " +
                                                  format_rfc3339(*state.window_end) + " ended without a file");
      default:
        if (++state.polls >= options_.max_polls) {
          state.export_id.reset();
          return Error::make(marketo::errc::error, "the export job was not completed after " +
                                                    std::to_string(state.polls) + " status reads");
        }
        state.next_step_at = clock_.now() + options_.poll_interval;
        return Status::success();
    }
  }
  const TimePoint end = *state.window_end;
  auto job = client_.start_lead_export(creds, {end - marketo::kMaxExportWindow, end});
  if (!job) return job.error();
  state.export_id = job->id;
  state.polls = 0;
  state.failures = 0;
  state.last_error.clear();
  state.next_step_at = clock_.now() + options_.poll_interval;
  return Status::success();
}

Result<int64_t> MirrorSeed::record(const std::string& team_id, const marketo::Credentials& creds,
                                   SeedState& state) {
  auto rows = client_.lead_export_rows(creds, *state.export_id);
  if (!rows) return rows.error();
  auto& sync = stores_.marketo_sync;
  const auto& keys = rows->unsubscribed;
  const std::size_t size = options_.rows_per_transaction;
  for (std::size_t first = 0; first < keys.size(); first += size) {
    store::MirrorNews news;
    for (std::size_t i = first; i < std::min(keys.size(), first + size); ++i) news.emplace_back(keys[i], true);
    sync.mirror(team_id, creds.rest_endpoint, news, clock_.now());
  }
  state.addresses += static_cast<int64_t>(keys.size());
  return rows->rows;
}

void MirrorSeed::next_window(SeedState& state, int64_t rows) {
  state.export_id.reset();
  state.polls = 0;
  state.failures = 0;
  state.last_error.clear();
  state.empty_windows = rows == 0 ? state.empty_windows + 1 : 0;
  state.window_end = *state.window_end - marketo::kMaxExportWindow;
  if (state.empty_windows >= options_.max_empty_windows) {
    state.phase = SeedPhase::done;
    state.finished_at = clock_.now();
    state.next_step_at.reset();
  }
}

}  // namespace sg::mirror
