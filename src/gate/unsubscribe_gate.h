// UnsubscribeGate: the one check every email passes. For a team and a set of
// addresses it answers a Verdict per address from the local suppression list and,
// when the team's check is on, the mirror of Marketo and then Marketo itself (through the
// freshness cache, one batched request for all addresses not answered before), then
// applies the fail policy.
// Thread-safe; sources must outlive the gate.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/email_status.h"
#include "core/verdict.h"
#include "gate/freshness_cache.h"
#include "gate/mirror.h"
#include "gate/suppression_source.h"
#include "obs/metrics.h"

namespace sg::gate {

struct GateOptions {
  Millis max_age{60000};  // how long a Marketo answer may be reused; 0 = never
  size_t cache_entries = 200000;
};

struct TeamPolicy {
  bool marketo_check_enabled = false;
  FailPolicy on_check_unavailable = FailPolicy::Block;
  bool mirror_authoritative = false;  // rely on the mirror's recent "not unsubscribed"
};

struct GateAnswer {
  std::unordered_map<std::string, Verdict> verdicts;  // by lower-cased address
  bool marketo_unavailable = false;  // Marketo could not answer for some addresses
  std::string unavailable_detail;    // why, for logs and error messages
  // Addresses let through unverified because the policy is "send".
  std::vector<std::string> unverified_allowed;

  Verdict verdict(const std::string& key) const;
};

class UnsubscribeGate {
 public:
  UnsubscribeGate(SuppressionSource& local, SuppressionSource& marketo, Clock& clock,
                  Metrics& metrics, GateOptions options);

  // `keys` are lower-cased addresses; duplicates are asked once.
  GateAnswer check(const std::string& team_id, const TeamPolicy& policy,
                   const std::vector<std::string>& keys);
  void forget_team(const std::string& team_id) { cache_.forget_team(team_id); }
  // Consults `mirror` before the cache and Marketo; it must outlive the gate.
  void use_mirror(Mirror& mirror) { mirror_ = &mirror; }

 private:
  void ask_marketo(const std::string& team_id, const TeamPolicy& policy,
                   const std::vector<std::string>& keys, GateAnswer& answer);

  SuppressionSource& local_;
  SuppressionSource& marketo_;
  Clock& clock_;
  Metrics& metrics_;
  FreshnessCache cache_;
  Mirror* mirror_ = nullptr;
  const Millis max_age_;
};

}  // namespace sg::gate
