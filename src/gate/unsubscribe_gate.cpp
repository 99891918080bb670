#include "gate/unsubscribe_gate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

namespace sg::gate {

SourceUse TeamPolicy::use_of(const std::string& source) const {
  auto it = sources.find(source);
  return it == sources.end() ? SourceUse{} : it->second;
}

Verdict GateAnswer::verdict(const std::string& key) const {
  auto it = verdicts.find(key);
  return it == verdicts.end() ? Verdict{} : it->second;
}

bool GateAnswer::is_unverified_allowed(const std::string& key) const {
  return std::find(unverified_allowed.begin(), unverified_allowed.end(), key) != unverified_allowed.end();
}

UnsubscribeGate::UnsubscribeGate(std::vector<CheckedSource> sources, Clock& clock, Metrics& metrics,
                                 GateOptions options)
    : clock_(clock), metrics_(metrics), max_age_(options.max_age) {
  std::unordered_set<std::string> names;
  for (auto& s : sources) {
    if (s.name.empty() || s.reason.empty() || !s.source)
      throw std::invalid_argument("a gate source needs a name, a reason and a source: \"" + s.name + "\"");
    if (!names.insert(s.name).second) throw std::invalid_argument("two gate sources named \"" + s.name + "\"");
    auto cache = s.cached ? std::make_unique<FreshnessCache>(options.max_age, options.cache_entries) : nullptr;
    sources_.push_back({std::move(s), std::move(cache)});
  }
  metrics_.describe("sendguard_checks_total", "counter",
                    "Recipients checked by the unsubscribe gate, by outcome");
  metrics_.describe("sendguard_checks_from_memory_total", "counter",
                    "Checks answered from memory, without reading the database or asking a vendor");
}

void UnsubscribeGate::forget_team(const std::string& team_id) {
  for (auto& entry : sources_)
    if (entry.cache) entry.cache->forget_team(team_id);
}

void UnsubscribeGate::pushed(const std::string& label, const std::string& team_id, const std::string& key,
                             bool unsubscribed) {
  for (auto& entry : sources_) {
    if (!entry.cache || entry.source.label != label) continue;
    if (unsubscribed) entry.cache->put(team_id, key, true, clock_.now());
    else entry.cache->forget(team_id, key);
  }
}

GateAnswer UnsubscribeGate::check(const std::string& team_id, const TeamPolicy& policy,
                                  const std::vector<std::string>& keys, Urgency urgency) {
  return *answer({team_id, policy, urgency}, keys);
}

std::optional<GateAnswer> UnsubscribeGate::check_from_memory(const std::string& team_id, const TeamPolicy& policy,
                                                             const std::vector<std::string>& keys) {
  if (max_age_.count() == 0) return std::nullopt;  // no answer may be reused
  auto known = answer({team_id, policy, Urgency::now, true}, keys);
  if (known) metrics_.increment("sendguard_checks_from_memory_total");
  return known;
}

std::optional<GateAnswer> UnsubscribeGate::answer(const Question& q, const std::vector<std::string>& keys) {
  std::vector<std::string> distinct;
  std::unordered_set<std::string> seen;
  for (const auto& k : keys)
    if (seen.insert(k).second) distinct.push_back(k);

  GateAnswer answer;
  for (const auto& k : distinct) answer.verdicts[k] = Verdict{};
  for (size_t rank = 0; rank < sources_.size(); ++rank) {
    Entry& entry = sources_[rank];
    if (!entry.source.always_on && !q.policy.use_of(entry.source.name).on) continue;
    // A refusal is final; an address another source could not verify may still be refused.
    std::vector<std::string> open;
    for (const auto& k : distinct)
      if (answer.verdicts[k].finding != Finding::Unsubscribed) open.push_back(k);
    if (open.empty()) break;
    if (!ask(static_cast<int>(rank), entry, q, open, answer)) return std::nullopt;
  }
  std::erase_if(answer.unverified_allowed, [&](const std::string& k) { return !answer.verdicts[k].allowed(); });

  for (const auto& k : distinct) {
    const Verdict& v = answer.verdicts[k];
    metrics_.increment("sendguard_checks_total", {{"outcome", v.allowed() ? "allowed" : std::string(v.reason)}});
  }
  return answer;
}

namespace {

// `keys` split into those among `named` and the others, each in the order of `keys`.
std::pair<std::vector<std::string>, std::vector<std::string>> split_named(const std::vector<std::string>& keys,
                                                                         const std::vector<std::string>& named) {
  std::pair<std::vector<std::string>, std::vector<std::string>> out;
  for (const auto& k : keys)
    (std::find(named.begin(), named.end(), k) != named.end() ? out.first : out.second).push_back(k);
  return out;
}

}  // namespace

bool UnsubscribeGate::ask(int rank, Entry& entry, const Question& q, const std::vector<std::string>& keys,
                          GateAnswer& answer) {
  const std::string& team_id = q.team_id;
  const Verdict refused{Finding::Unsubscribed, entry.source.reason, rank};
  auto unanswered = not_answered_locally(rank, entry, q, keys, answer);
  if (!unanswered) return false;
  std::vector<std::string> missing = std::move(*unanswered);
  if (missing.empty()) return true;
  if (q.from_memory) {
    auto known = entry.source.source->known_among(team_id, missing);
    if (!known) return false;
    for (const auto& k : *known) answer.verdicts[k] = refused;
    return true;
  }

  const TimePoint asked = clock_.now();  // answers are as of then: later news is kept
  auto fresh = entry.source.source->unsubscribed_among(team_id, missing);
  if (!fresh) {
    // The team's own list is our database: the fail policy is for vendors' outages only.
    if (entry.source.always_on) throw std::runtime_error(entry.source.label + ": " + fresh.error().message);
    // A source that names the addresses it cannot answer for fails only for them.
    auto [named, others] = split_named(missing, fresh.error().recipients);
    if (named.empty() || others.empty()) {
      unavailable(entry, q, missing, fresh.error(), answer);
      return true;
    }
    unavailable(entry, q, named, fresh.error(), answer);
    missing = std::move(others);
    fresh = entry.source.source->unsubscribed_among(team_id, missing);
    if (!fresh) {
      unavailable(entry, q, missing, fresh.error(), answer);
      return true;
    }
  }
  for (const auto& k : missing) {
    bool unsubscribed = fresh->count(k) > 0;
    if (entry.cache) entry.cache->put(team_id, k, unsubscribed, asked);
    if (unsubscribed) answer.verdicts[k] = refused;
  }
  return true;
}

std::optional<std::vector<std::string>> UnsubscribeGate::not_answered_locally(int rank, Entry& entry,
                                                                              const Question& q,
                                                                              const std::vector<std::string>& keys,
                                                                              GateAnswer& answer) {
  if (!entry.source.mirror && !entry.cache) return keys;
  const std::string& team_id = q.team_id;
  const SourceUse use = q.policy.use_of(entry.source.name);
  const Verdict refused{Finding::Unsubscribed, entry.source.reason, rank};
  const TimePoint now = clock_.now();
  std::vector<std::string> unanswered;
  // When the mirror last learned that a key is not unsubscribed.
  std::unordered_map<std::string, TimePoint> resubscribed;
  if (entry.source.mirror) {
    auto copied = q.from_memory ? entry.source.mirror->known(team_id, keys) : std::nullopt;
    if (q.from_memory && !copied) return std::nullopt;
    auto mirrored = q.from_memory ? std::move(*copied) : entry.source.mirror->mirrored(team_id, keys);
    for (const auto& k : keys) {
      auto it = mirrored.find(k);
      bool usable = it != mirrored.end() && (use.mirror_authoritative || now - it->second.synced_at < max_age_);
      if (usable && it->second.unsubscribed) answer.verdicts[k] = refused;
      else if (!(usable && it->second.trusted && use.mirror_authoritative)) unanswered.push_back(k);
      if (usable && !it->second.unsubscribed) resubscribed[k] = it->second.seen_at;
    }
  } else {
    unanswered = keys;
  }
  if (!entry.cache) return unanswered;
  std::vector<std::string> missing;
  for (const auto& k : unanswered) {
    // A cached unsubscribe older than a resubscribe the mirror has since learned is stale.
    // Not a cached "not unsubscribed": the live answer it came from is in the mirror too,
    // stamped when the source asked, after the gate did.
    auto news = resubscribed.find(k);
    auto cached = entry.cache->get(team_id, k, now, news == resubscribed.end() ? TimePoint::min() : news->second);
    if (!cached) missing.push_back(k);
    else if (*cached) answer.verdicts[k] = refused;
  }
  return missing;
}

void UnsubscribeGate::unavailable(const Entry& entry, const Question& q, const std::vector<std::string>& keys,
                                  const Error& error, GateAnswer& answer) {
  const std::string& team_id = q.team_id;
  const TeamPolicy& policy = q.policy;
  const CheckedSource& source = entry.source;
  std::string words = source.describe_unavailable ? source.describe_unavailable(error.code) : "";
  if (!answer.unavailable) {
    answer.unavailable = true;
    answer.unavailable_source = source.label;
    answer.unavailable_detail = words.empty() ? source.label + " could not answer (" + error.code + ")" : words;
  }
  spdlog::warn("unsubscribe check: {} could not answer for team {} ({}: {}): policy {}", source.label, team_id,
               error.code, error.message, to_string(policy.on_check_unavailable));
  const bool block = policy.on_check_unavailable == FailPolicy::Block ||
                     (source.never_answers && source.never_answers(error.code)) ||
                     (q.urgency == Urgency::can_wait && source.back_soon && source.back_soon(error.code));
  for (const auto& k : keys) {
    if (block) answer.verdicts[k] = {Finding::Unverified, kCheckUnavailable};
    else answer.unverified_allowed.push_back(k);
  }
}

}  // namespace sg::gate
