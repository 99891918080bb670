#include "mirror/marketo_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <utility>

#include "core/backoff.h"
#include "core/email_address.h"
#include "marketo/error_codes.h"
#include "mirror/marketo_source.h"

namespace sg::mirror {
namespace {

constexpr Millis kFeedOverlap{60000};  // a new feed starts a minute back
constexpr std::string_view kUnsubscribedField = "unsubscribed";
constexpr std::string_view kEmailField = "email";
constexpr int kNewLead = 12;  // MARKETO.md's numbering, unless types.json says otherwise
constexpr std::size_t kMaxRemembered = 10000;  // write-backs and handled changes, per team

std::string outcome_of(const marketo::WriteBackResult& r) {
  switch (r.status) {
    case marketo::WriteBackStatus::updated: return "updated";
    case marketo::WriteBackStatus::not_found: return "not_found";
    case marketo::WriteBackStatus::rejected: return "rejected: " + r.reason;
  }
  return "rejected";
}

// Marketo refused the paging token itself (expired or invalid: 1003, its code for a bad
// value) rather than failing to answer: the same token will never pass. Anything else
// (HTTP 5xx, undocumented codes, and 601/602, which the client answers by renewing the
// access token) says nothing of the paging token, which is kept.
bool is_refusal(const Error& e) { return e.code == marketo::errc::invalid_data; }

}  // namespace

MarketoSync::MarketoSync(MirrorStores stores, marketo::Client& client, Clock& clock, SyncOptions options)
    : stores_(stores), client_(client), clock_(clock), options_(options),
      schedule_(options.interval, options.max_backoff_factor),
      loop_(std::min(options.interval, options.request_poll),
            [](const std::exception& e) { spdlog::error("marketo sync: {}", e.what()); }) {}

void MarketoSync::start() {
  loop_.start([this] {
    reap(false);
    if (!lead()) return false;
    // A plain read: dispatch takes the requests, after it has read the teams.
    const bool asked = stores_.marketo_sync.sync_requested();
    bool wanted;
    {
      std::lock_guard lock(mu_);
      wanted = std::exchange(pass_wanted_, false);
    }
    // Between passes, only the requests are looked at: a pass waits for the interval.
    if (asked || wanted || clock_.now() - last_dispatch_ >= options_.interval) dispatch();
    return false;
  });
}

void MarketoSync::stop() {
  loop_.stop();
  reap(true);
}

void MarketoSync::run_once() {
  reap(false);
  if (lead()) dispatch();
  reap(true);
}

// Through the database, as the instance told may not be the one that syncs; the leader
// takes the request within `request_poll`, or at once when it is this instance.
void MarketoSync::nudge(const std::string& team_id) {
  stores_.marketo_sync.request_sync(team_id, false);
  loop_.wake();
}

void MarketoSync::forget_team(const std::string& team_id) {
  stores_.marketo_sync.request_sync(team_id, true);
  loop_.wake();
}

bool MarketoSync::lead() {
  const bool leading = !options_.leadership || options_.leadership->leading();
  if (leading && !was_leading_) {
    // What it kept from an earlier term may be stale: connections changed while others led.
    std::lock_guard lock(mu_);
    ids_.clear();
    written_back_.clear();
    handled_.clear();
    last_reread_.clear();
    read_to_end_.clear();
    schedule_.clear();
    last_dispatch_ = TimePoint{};
  }
  was_leading_ = leading;
  return leading;
}

void MarketoSync::take_requests() {
  auto requests = stores_.marketo_sync.take_sync_requests();
  std::lock_guard lock(mu_);
  for (const auto& r : requests) {
    if (r.forget) {
      forget_locked(r.team_id);
      // A pass under way still reads the old instance and may put back what was forgotten.
      if (passes_.count(r.team_id)) forget_after_pass_.insert(r.team_id);
    }
    schedule_.nudge(r.team_id);  // news, or a new instance: its feed is read at once
  }
}

void MarketoSync::forget_locked(const std::string& team_id) {
  ids_.erase(team_id);
  written_back_.erase(team_id);
  handled_.erase(team_id);
  last_reread_.erase(team_id);
  read_to_end_.erase(team_id);
}

void MarketoSync::dispatch() {
  auto& sync = stores_.marketo_sync;
  const TimePoint now = clock_.now();
  last_dispatch_ = now;
  const std::vector<std::string> teams = sync.teams_to_sync();
  // Requests are taken after the teams are read: a connection saved in between is then
  // either not seen yet or seen with its forget already applied, never read twice at once.
  take_requests();
  std::map<std::string, TeamWork> due;
  // The seed keeps its own pace (its next step's time), not the feed's backoff.
  for (const auto& team : teams)
    if (seed_ && seed_->due(team, now)) due[team].step_seed = true;
  for (auto& w : sync.due_writebacks(now, 300)) due[w.team_id].writebacks.push_back(std::move(w));
  std::lock_guard lock(mu_);
  for (const auto& team : teams)
    if (schedule_.due(team, now)) due[team].follow_feed = true;
  for (auto& [team, work] : due) {
    if (passes_.count(team)) continue;  // still on its previous pass: a stalled team waits alone
    if (static_cast<int>(passes_.size()) >= options_.max_parallel_teams) {
      spdlog::warn("marketo sync: {} teams already syncing; team {} waits for a later pass", passes_.size(), team);
      continue;
    }
    if (work.follow_feed) schedule_.started(team);
    passes_[team] = std::thread([this, team = team, work = std::move(work), now] {
      run_team(team, work, now);
      std::lock_guard done(mu_);
      if (forget_after_pass_.erase(team)) forget_locked(team);
      ended_.insert(team);
      pass_ended_.notify_all();
      // Nudged during the pass: the next one starts at once (now that this one is reaped).
      if (schedule_.nudged(team)) {
        pass_wanted_ = true;
        loop_.wake();
      }
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

void MarketoSync::run_team(const std::string& team_id, const TeamWork& work, TimePoint started) {
  try {
    if (work.follow_feed) {
      Pass pass = sync_team(team_id);
      std::lock_guard lock(mu_);
      if (pass != Pass::failed) schedule_.passed(team_id, started, pass == Pass::changes);
    }
    if (work.step_seed) seed_->step(team_id);
    if (!work.writebacks.empty()) write_back(team_id, work.writebacks);
  } catch (const std::exception& e) {
    spdlog::error("marketo sync: team {}: {}", team_id, e.what());
  }
}

FeedIds MarketoSync::feed_ids(const std::string& team_id, const marketo::Credentials& creds,
                              store::SyncState& state) {
  {
    std::lock_guard lock(mu_);
    if (auto it = ids_.find(team_id); it != ids_.end()) return it->second;
  }
  FeedIds ids;
  auto types = client_.activity_types(creds);
  if (!types) {
    spdlog::warn("marketo sync: team {}: activity types unavailable ({}); assuming 9 and 13", team_id,
                 types.error().message);
    return ids;  // not remembered: confirmed on a later run
  }
  if (options_.follow_new_addresses) ids.new_lead = kNewLead;
  for (const auto& t : *types) {
    if (t.name == "Unsubscribe Email") ids.unsubscribe_email = t.id;
    if (t.name == "Change Data Value") ids.change_data_value = t.id;
    if (t.name == "New Lead" && ids.new_lead) ids.new_lead = t.id;
  }
  // Without the field's id, a change of `unsubscribed` is known only by its display name,
  // which an admin may relabel: the sync status says so, and the next pass asks again.
  auto fields = client_.field_ids(creds);
  auto field = [&](std::string_view name) -> std::optional<int64_t> {
    auto it = fields->find(std::string(name));
    return it == fields->end() ? std::nullopt : std::optional<int64_t>(it->second);
  };
  if (!fields || !field(kUnsubscribedField)) {
    state.warning = std::string("the id of the unsubscribed field is unknown (") +
                    (fields ? "leads/describe.json has no such field" : fields.error().message) +
                    "): its changes are matched by the display name \"Unsubscribed\", "
                    "which an admin may have relabelled";
    spdlog::warn("marketo sync: team {}: {}", team_id, state.warning);
    return ids;
  }
  state.warning.clear();
  ids.unsubscribed_field = field(kUnsubscribedField);
  ids.email_field = field(kEmailField);
  std::lock_guard lock(mu_);
  ids_[team_id] = ids;
  return ids;
}

Result<marketo::ActivityPage> MarketoSync::read_page(const std::string& team_id, const marketo::Credentials& creds,
                                                     store::SyncState& state, const FeedIds& ids, bool& restarted) {
  const std::vector<int> types = feed_types(ids);
  auto page = client_.activities(creds, *state.paging_token, types);
  if (page || restarted || !is_refusal(page.error())) return page;
  // Date-based tokens: a fresh one from the last confirmed page re-reads at most the
  // overlap twice, and misses nothing.
  TimePoint from = state.confirmed_at.value_or(state.last_success_at.value_or(clock_.now())) - kFeedOverlap;
  auto token = client_.paging_token(creds, from);
  if (!token) return token.error();
  spdlog::warn("marketo sync: team {}: paging token refused ({}); the feed restarts from {}", team_id,
               page.error().message, format_rfc3339(from));
  restarted = true;
  state.paging_token = *token;
  state.restarted_at = clock_.now();
  state.restart_reason = page.error().message;
  stores_.marketo_sync.put_sync_state(team_id, creds.rest_endpoint, state);
  return client_.activities(creds, *state.paging_token, types);
}

Status MarketoSync::reread_if_due(const std::string& team_id, const marketo::Credentials& creds,
                                  store::SyncState& state) {
  const TimePoint now = clock_.now();
  TimePoint from;
  {
    std::lock_guard lock(mu_);
    TimePoint last = last_reread_.try_emplace(team_id, state.confirmed_at.value_or(now)).first->second;
    // Only a feed read to its end goes back: one still behind a backlog would jump past
    // the unread part (or go round in it).
    if (!read_to_end_.count(team_id) || now - last < options_.reread_every) return Status::success();
    from = std::min(last, state.confirmed_at.value_or(last)) - kFeedOverlap;
  }
  auto token = client_.paging_token(creds, from);
  if (!token) return token.error();
  state.paging_token = *token;
  stores_.marketo_sync.put_sync_state(team_id, creds.rest_endpoint, state);
  std::lock_guard lock(mu_);
  last_reread_[team_id] = now;
  return Status::success();
}

void MarketoSync::note_read_to_end(const std::string& team_id, bool at_end) {
  std::lock_guard lock(mu_);
  if (at_end) read_to_end_.insert(team_id);
  else read_to_end_.erase(team_id);
}

MarketoSync::Pass MarketoSync::sync_team(const std::string& team_id) {
  auto& sync = stores_.marketo_sync;
  auto connection = stores_.connections.get(team_id);
  if (!connection) return Pass::failed;
  auto creds = credentials_of(*connection);
  auto state = sync.sync_state(team_id);
  auto fail = [&](const Error& e) {
    note_read_to_end(team_id, false);
    state.last_error = e.message;
    state.last_error_at = clock_.now();
    sync.put_sync_state(team_id, creds.rest_endpoint, state);
    spdlog::warn("marketo sync: team {}: {}", team_id, e.message);
    return Pass::failed;
  };
  if (!state.paging_token) {
    const TimePoint since = clock_.now() - kFeedOverlap;
    auto token = client_.paging_token(creds, since);
    if (!token) return fail(token.error());
    state.paging_token = *token;
    state.following_since = since;
    sync.put_sync_state(team_id, creds.rest_endpoint, state);
  }
  if (Status s = reread_if_due(team_id, creds, state); !s) return fail(s.error());
  FeedIds ids = feed_ids(team_id, creds, state);
  bool changes = false;
  bool restarted = false;
  bool at_end = false;
  for (int page_no = 0; page_no < options_.max_pages_per_run && !at_end; ++page_no) {
    auto page = read_page(team_id, creds, state, ids, restarted);
    if (!page) return fail(page.error());
    auto mirrored = mirror_changes(team_id, creds, page->items, ids);
    if (!mirrored) return fail(mirrored.error());
    changes = changes || *mirrored;
    at_end = !page->more;
    state.paging_token = page->next_token;  // advanced only once the page is recorded
    if (at_end) state.confirmed_at = clock_.now();  // everything logged until now is read
    sync.put_sync_state(team_id, creds.rest_endpoint, state);
  }
  note_read_to_end(team_id, at_end);
  state.last_success_at = clock_.now();
  state.last_error.clear();
  sync.put_sync_state(team_id, creds.rest_endpoint, state);
  // A pass stopped by the page limit leaves a backlog: it is read on at the base interval.
  return changes || !at_end ? Pass::changes : Pass::quiet;
}

Result<bool> MarketoSync::mirror_changes(const std::string& team_id, const marketo::Credentials& creds,
                                         const std::vector<marketo::Activity>& activities, const FeedIds& ids) {
  UnsubscribeChanges changes;
  std::vector<std::string> guids;  // of the changes handled now
  {
    std::lock_guard lock(mu_);
    auto& handled = handled_[team_id];
    std::vector<marketo::Activity> fresh;
    for (const auto& a : activities) {
      if (!(is_unsubscribe_change(a, ids) || brings_an_address(a, ids)) || handled.count(a.marketo_guid))
        continue;  // not ours, or a re-read
      fresh.push_back(a);
      if (!a.marketo_guid.empty()) guids.push_back(a.marketo_guid);
    }
    changes = unsubscribe_changes(fresh, ids, written_back_[team_id]);
  }
  if (changes.to_look_up.empty() && changes.echoed.empty()) return false;
  const TimePoint asked = clock_.now();  // what the answers say is as of then
  auto& lead_ids = changes.to_look_up;
  auto leads = lead_ids.empty() ? Result<std::vector<marketo::LeadState>>(std::vector<marketo::LeadState>{})
                                : client_.leads_by_id(creds, {lead_ids.begin(), lead_ids.end()});
  if (!leads) return leads.error();
  std::set<std::string> addresses;
  for (const auto& lead : *leads)
    if (!lead.email.empty()) addresses.insert(lowercase_ascii(lead.email));
  // The address's state now, over every lead that has it (MARKETO.md: unsubscribed when
  // any is), rather than the activity's: that also settles out-of-order changes.
  auto states = address_states(creds, {addresses.begin(), addresses.end()});
  if (!states) return states.error();
  // An address more than 1,000 leads share cannot be asked about: what the feed read
  // still tells an unsubscribe; "not unsubscribed" it cannot tell, so nothing is recorded
  // and a live check decides (and fails closed).
  for (const auto& lead : *leads) {
    const std::string key = lowercase_ascii(lead.email);
    if (lead.unsubscribed && states->crowded.count(key)) states->unsubscribed[key] = true;
  }
  auto& sync = stores_.marketo_sync;
  store::MirrorNews news(states->unsubscribed.begin(), states->unsubscribed.end());
  // Our own write-back, echoed: the lead is unsubscribed, and so is its address.
  for (const auto& echo : changes.echoed) news.emplace_back(echo.second, true);
  sync.mirror(team_id, creds.rest_endpoint, news, asked);
  std::lock_guard lock(mu_);
  auto& handled = handled_[team_id];
  if (handled.size() > kMaxRemembered) handled.clear();  // forgotten ones are looked up again
  handled.insert(guids.begin(), guids.end());
  return true;
}

Result<MarketoSync::AddressStates> MarketoSync::address_states(const marketo::Credentials& creds,
                                                               std::vector<std::string> keys) {
  AddressStates out;
  while (!keys.empty()) {
    auto answer = client_.unsubscribed_among(creds, keys, marketo::Asker::feed);
    if (answer) {
      for (const auto& key : keys) out.unsubscribed[key] = answer->count(key) > 0;
      break;
    }
    // The client names the crowded addresses; the others are asked again without them.
    const auto& named = answer.error().recipients;
    if (answer.error().code != marketo::errc::too_many_matches || named.empty()) return answer.error();
    out.crowded.insert(named.begin(), named.end());
    std::erase_if(keys, [&](const std::string& key) { return out.crowded.count(key) > 0; });
  }
  return out;
}

void MarketoSync::write_back(const std::string& team, const std::vector<store::WriteBack>& items) {
  auto& sync = stores_.marketo_sync;
  TimePoint now = clock_.now();
  auto connection = stores_.connections.get(team);
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
  // The feed will bring each updated lead back as a change from "Web service API".
  std::lock_guard lock(mu_);
  auto& ours = written_back_[team];
  if (ours.size() > kMaxRemembered) ours.clear();  // their echoes are then looked up
  for (const auto& r : *results)
    if (r.status == marketo::WriteBackStatus::updated)
      for (int64_t lead : r.lead_ids) ours[lead] = lowercase_ascii(r.email);
}

}  // namespace sg::mirror
