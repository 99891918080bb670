#include "mirror/marketo_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/backoff.h"
#include "core/email_address.h"
#include "mirror/marketo_source.h"

namespace sg::mirror {
namespace {

constexpr int kUnsubscribeEmail = 9;  // MARKETO.md; confirmed per instance through types.json
constexpr int kChangeDataValue = 13;
constexpr Millis kFeedOverlap{60000};  // a new team's feed starts a minute back

bool is_unsubscribe_change(const marketo::Activity& a, const std::vector<int>& types) {
  if (a.type_id == types[0]) return true;
  return a.type_id == types[1] && lowercase_ascii(a.primary_attribute_value) == "unsubscribed";
}

std::string outcome_of(const marketo::WriteBackResult& r) {
  switch (r.status) {
    case marketo::WriteBackStatus::updated: return "updated";
    case marketo::WriteBackStatus::not_found: return "not_found";
    case marketo::WriteBackStatus::rejected: return "rejected: " + r.reason;
  }
  return "rejected";
}

}  // namespace

MarketoSync::MarketoSync(store::Store& store, marketo::Client& client, Clock& clock, SyncOptions options)
    : store_(store), client_(client), clock_(clock), options_(options),
      loop_(options.interval, [](const std::exception& e) { spdlog::error("marketo sync: {}", e.what()); }) {}

void MarketoSync::start() {
  loop_.start([this] {
    dispatch();
    return false;  // the next pass waits for the interval
  });
}

void MarketoSync::stop() {
  loop_.stop();
  reap(true);
}

void MarketoSync::run_once() {
  dispatch();
  reap(true);
}

void MarketoSync::dispatch() {
  reap(false);
  auto& sync = store_.marketo_sync();
  std::map<std::string, TeamWork> due;
  for (const auto& team : sync.teams_to_sync()) due[team].follow_feed = true;
  for (auto& w : sync.due_writebacks(clock_.now(), 300)) due[w.team_id].writebacks.push_back(std::move(w));
  std::lock_guard lock(mu_);
  for (auto& [team, work] : due) {
    if (passes_.count(team)) continue;  // still on its previous pass: a stalled team waits alone
    if (static_cast<int>(passes_.size()) >= options_.max_parallel_teams) {
      spdlog::warn("marketo sync: {} teams already syncing; team {} waits for a later pass", passes_.size(), team);
      continue;
    }
    passes_[team] = std::thread([this, team = team, work = std::move(work)] {
      run_team(team, work);
      std::lock_guard done(mu_);
      ended_.insert(team);
      pass_ended_.notify_all();
    });
  }
}

void MarketoSync::reap(bool all) {
  std::unique_lock lock(mu_);
  while (true) {
    for (const auto& team : ended_) {
      passes_[team].join();  // it has ended: joining does not wait
      passes_.erase(team);
    }
    ended_.clear();
    if (!all || passes_.empty()) return;
    pass_ended_.wait(lock, [this] { return !ended_.empty(); });
  }
}

void MarketoSync::run_team(const std::string& team_id, const TeamWork& work) {
  try {
    if (work.follow_feed) sync_team(team_id);
    if (work.follow_feed && seed_) seed_->step(team_id);
    if (!work.writebacks.empty()) write_back(team_id, work.writebacks);
  } catch (const std::exception& e) {
    spdlog::error("marketo sync: team {}: {}", team_id, e.what());
  }
}

std::vector<int> MarketoSync::unsubscribe_type_ids(const std::string& team_id, const marketo::Credentials& creds) {
  {
    std::lock_guard lock(mu_);
    if (auto it = types_.find(team_id); it != types_.end()) return it->second;
  }
  std::vector<int> ids{kUnsubscribeEmail, kChangeDataValue};
  auto types = client_.activity_types(creds);
  if (!types) {
    spdlog::warn("marketo sync: team {}: activity types unavailable ({}); assuming 9 and 13", team_id,
                 types.error().message);
    return ids;  // not remembered: confirmed on a later run
  }
  for (const auto& t : *types) {
    if (t.name == "Unsubscribe Email") ids[0] = t.id;
    if (t.name == "Change Data Value") ids[1] = t.id;
  }
  std::lock_guard lock(mu_);
  types_[team_id] = ids;
  return ids;
}

void MarketoSync::sync_team(const std::string& team_id) {
  auto& sync = store_.marketo_sync();
  auto connection = store_.connections().get(team_id);
  if (!connection) return;
  auto creds = credentials_of(*connection);
  auto state = sync.sync_state(team_id);
  auto fail = [&](const Error& e) {
    state.last_error = e.message;
    state.last_error_at = clock_.now();
    sync.put_sync_state(team_id, state);
    spdlog::warn("marketo sync: team {}: {}", team_id, e.message);
  };
  if (!state.paging_token) {
    auto token = client_.paging_token(creds, clock_.now() - kFeedOverlap);
    if (!token) return fail(token.error());
    state.paging_token = *token;
    sync.put_sync_state(team_id, state);
  }
  auto types = unsubscribe_type_ids(team_id, creds);
  for (int page_no = 0; page_no < options_.max_pages_per_run; ++page_no) {
    auto page = client_.activities(creds, *state.paging_token, types);
    if (!page) return fail(page.error());
    if (Status s = mirror_changes(team_id, creds, page->items, types); !s) return fail(s.error());
    state.paging_token = page->next_token;  // advanced only once the page is recorded
    sync.put_sync_state(team_id, state);
    if (!page->more) break;
  }
  state.last_success_at = clock_.now();
  state.last_error.clear();
  sync.put_sync_state(team_id, state);
}

Status MarketoSync::mirror_changes(const std::string& team_id, const marketo::Credentials& creds,
                                   const std::vector<marketo::Activity>& activities, const std::vector<int>& types) {
  std::set<int64_t> lead_ids;
  for (const auto& a : activities)
    if (is_unsubscribe_change(a, types)) lead_ids.insert(a.lead_id);
  if (lead_ids.empty()) return Status::success();
  auto leads = client_.leads_by_id(creds, {lead_ids.begin(), lead_ids.end()});
  if (!leads) return leads.error();
  std::set<std::string> addresses;
  for (const auto& lead : *leads)
    if (!lead.email.empty()) addresses.insert(lowercase_ascii(lead.email));
  // The address's state now, over every lead that has it (MARKETO.md: unsubscribed when
  // any is), rather than the activity's: that also settles out-of-order changes.
  std::vector<std::string> keys(addresses.begin(), addresses.end());
  auto unsubscribed = keys.empty() ? Result<std::unordered_set<std::string>>(std::unordered_set<std::string>{})
                                   : client_.unsubscribed_among(creds, keys);
  if (!unsubscribed) return unsubscribed.error();
  TimePoint now = clock_.now();
  auto& sync = store_.marketo_sync();
  store_.transaction([&] {
    for (const auto& key : keys) sync.mirror(team_id, key, unsubscribed->count(key) > 0, now);
  });
  return Status::success();
}

void MarketoSync::write_back(const std::string& team, const std::vector<store::WriteBack>& items) {
  auto& sync = store_.marketo_sync();
  TimePoint now = clock_.now();
  auto connection = store_.connections().get(team);
  if (!connection) {
    for (const auto& w : items) sync.finish_writeback(w.id, "not_connected", now);
    return;
  }
  std::vector<std::string> emails;
  for (const auto& w : items) emails.push_back(w.email);
  auto results = client_.unsubscribe(credentials_of(*connection), emails, items.front().reason);
  if (!results) {
    for (const auto& w : items) {
      Millis delay = std::max(capped_backoff(options_.writeback_retry_base, options_.writeback_retry_max, w.attempts + 1),
                              Millis(1000LL * results.error().retry_after_seconds));
      sync.retry_writeback(w.id, w.attempts + 1, now + delay, results.error().message);
    }
    spdlog::warn("marketo write-back for team {} deferred: {}", team, results.error().message);
    return;
  }
  for (size_t i = 0; i < items.size() && i < results->size(); ++i)
    sync.finish_writeback(items[i].id, outcome_of((*results)[i]), now);
}

}  // namespace sg::mirror
