#include "gate/unsubscribe_gate.h"

#include <spdlog/spdlog.h>

#include <unordered_map>
#include <unordered_set>

namespace sg::gate {
namespace {

// Why Marketo could not answer, in words of our own: this reaches API answers and the
// emails log, and what Marketo's endpoint (or curl) said must not (only the log has it).
std::string describe_unavailable(const std::string& code) {
  static const std::unordered_map<std::string, std::string> kWords{
      {"marketo_unreachable", "the Marketo endpoint could not be reached"},
      {"marketo_busy", "too many of the team's requests are already waiting on Marketo"},
      {"marketo_rate_limited", "Marketo's rate limit was reached"},
      {"marketo_quota_exceeded", "Marketo's daily API quota is spent"},
      {"marketo_budget_exhausted", "Sendguard's daily budget of Marketo calls is spent"},
      {"marketo_not_connected", "the team has no Marketo connection"},
      {"marketo_auth_failed", "Marketo refused the connection's credentials"},
      {"marketo_token_rejected", "Marketo's REST endpoint refused the connection's token"},
      {"marketo_access_denied", "the Marketo API user may not read leads"},
      {"marketo_address_refused", "the Marketo endpoint resolves to an internal address"},
  };
  auto it = kWords.find(code);
  return it == kWords.end() ? "Marketo could not answer (" + code + ")" : it->second;
}

}  // namespace

Verdict GateAnswer::verdict(const std::string& key) const {
  auto it = verdicts.find(key);
  return it == verdicts.end() ? Verdict::Allowed : it->second;
}

UnsubscribeGate::UnsubscribeGate(SuppressionSource& local, SuppressionSource& marketo,
                                 Clock& clock, Metrics& metrics, GateOptions options)
    : local_(local), marketo_(marketo), clock_(clock), metrics_(metrics),
      cache_(options.max_age, options.cache_entries), max_age_(options.max_age) {
  metrics_.describe("sendguard_checks_total", "counter",
                    "Recipients checked by the unsubscribe gate, by outcome");
}

GateAnswer UnsubscribeGate::check(const std::string& team_id, const TeamPolicy& policy,
                                  const std::vector<std::string>& keys) {
  std::vector<std::string> distinct;
  std::unordered_set<std::string> seen;
  for (const auto& k : keys)
    if (seen.insert(k).second) distinct.push_back(k);

  GateAnswer answer;
  auto local = local_.unsubscribed_among(team_id, distinct);
  if (!local) throw std::runtime_error("local suppression list: " + local.error().message);
  std::vector<std::string> for_marketo;
  for (const auto& k : distinct) {
    if (local->count(k)) answer.verdicts[k] = Verdict::Suppressed;
    else {
      answer.verdicts[k] = Verdict::Allowed;
      for_marketo.push_back(k);
    }
  }
  if (policy.marketo_check_enabled && !for_marketo.empty())
    ask_marketo(team_id, policy, for_marketo, answer);

  for (const auto& k : distinct)
    metrics_.increment("sendguard_checks_total",
                       {{"outcome", std::string(answer.verdicts[k] == Verdict::Allowed
                                                    ? "allowed"
                                                    : reason_of(answer.verdicts[k]))}});
  return answer;
}

void UnsubscribeGate::ask_marketo(const std::string& team_id, const TeamPolicy& policy,
                                  const std::vector<std::string>& keys, GateAnswer& answer) {
  TimePoint now = clock_.now();
  std::vector<std::string> unanswered;
  std::unordered_map<std::string, TimePoint> learned;  // when the mirror last learned of a key
  if (mirror_) {
    auto mirrored = mirror_->mirrored(team_id, keys);
    for (const auto& k : keys) {
      auto it = mirrored.find(k);
      bool usable = it != mirrored.end() && (policy.mirror_authoritative || now - it->second.synced_at < max_age_);
      if (usable && it->second.unsubscribed) answer.verdicts[k] = Verdict::MarketoUnsubscribed;
      else if (!(usable && it->second.trusted && policy.mirror_authoritative)) unanswered.push_back(k);
      if (usable) learned[k] = it->second.seen_at;
    }
  } else {
    unanswered = keys;
  }
  std::vector<std::string> missing;
  for (const auto& k : unanswered) {
    // A cached answer older than what the feed has since reported (a resubscribe) is stale.
    auto newer = learned.find(k);
    auto cached = cache_.get(team_id, k, now, newer == learned.end() ? TimePoint::min() : newer->second);
    if (!cached) missing.push_back(k);
    else if (*cached) answer.verdicts[k] = Verdict::MarketoUnsubscribed;
  }
  if (missing.empty()) return;

  auto fresh = marketo_.unsubscribed_among(team_id, missing);
  if (fresh) {
    TimePoint fetched = clock_.now();
    for (const auto& k : missing) {
      bool unsubscribed = fresh->count(k) > 0;
      cache_.put(team_id, k, unsubscribed, fetched);
      if (unsubscribed) answer.verdicts[k] = Verdict::MarketoUnsubscribed;
    }
    return;
  }
  answer.marketo_unavailable = true;
  answer.unavailable_detail = describe_unavailable(fresh.error().code);
  spdlog::warn("unsubscribe check: Marketo could not answer for team {} ({}: {}): policy {}", team_id,
               fresh.error().code, fresh.error().message, to_string(policy.on_check_unavailable));
  for (const auto& k : missing) {
    if (policy.on_check_unavailable == FailPolicy::Block) answer.verdicts[k] = Verdict::Unverified;
    else answer.unverified_allowed.push_back(k);
  }
}

}  // namespace sg::gate
