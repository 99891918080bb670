// UnsubscribeGate: the one check every email passes. For a team and a set of addresses
// it asks its sources in order — the team's own suppression list first, then each source
// the team has turned on (through its mirror and the freshness cache when it has them),
// each only for the addresses no earlier source refused, in one batched request — and
// answers a Verdict per address after the team's fail policy.
// Thread-safe; sources must outlive the gate.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/email_status.h"
#include "core/verdict.h"
#include "gate/checked_source.h"
#include "gate/freshness_cache.h"
#include "obs/metrics.h"

namespace sg::gate {

struct GateOptions {
  Millis max_age{60000};  // how long a cached source's answer may be reused; 0 = never
  size_t cache_entries = 200000;
};

// How a team uses one optional source.
struct SourceUse {
  bool on = false;
  bool mirror_authoritative = false;  // rely on the mirror's recent "not unsubscribed"
};

// Who waits on a check: a person (a check, a send being accepted), who hears at once and
// gets the fail policy, or the outbox about to deliver, which can wait out a source that
// is back soon (CheckedSource::back_soon) instead of sending unverified.
enum class Urgency { now, can_wait };

struct TeamPolicy {
  FailPolicy on_check_unavailable = FailPolicy::Block;
  std::unordered_map<std::string, SourceUse> sources;  // by CheckedSource::name; absent = off

  SourceUse use_of(const std::string& source) const;
};

struct GateAnswer {
  std::unordered_map<std::string, Verdict> verdicts;  // by lower-cased address
  bool unavailable = false;        // a source could not answer for some addresses
  std::string unavailable_source;  // its label
  std::string unavailable_detail;  // why, for logs and error messages
  // Addresses let through unverified because the policy is "send".
  std::vector<std::string> unverified_allowed;

  Verdict verdict(const std::string& key) const;
  bool is_unverified_allowed(const std::string& key) const;
};

class UnsubscribeGate {
 public:
  // Throws std::invalid_argument for a source without a name or reason, or a name twice:
  // a team's policy finds a source by its name, and a mistyped one would never be asked.
  UnsubscribeGate(std::vector<CheckedSource> sources, Clock& clock, Metrics& metrics, GateOptions options);

  // `keys` are lower-cased addresses; duplicates are asked once.
  GateAnswer check(const std::string& team_id, const TeamPolicy& policy, const std::vector<std::string>& keys,
                   Urgency urgency = Urgency::now);
  // The same answer, for a person's check, when memory alone gives it: every source the
  // team uses answers from its copies (SuppressionSource::known_among, Mirror::known) or
  // the freshness cache. nullopt otherwise, and nothing is counted; ask check() then.
  // Never for delivery: it must read the sources themselves.
  std::optional<GateAnswer> check_from_memory(const std::string& team_id, const TeamPolicy& policy,
                                              const std::vector<std::string>& keys);
  // Drops a team's cached answers, e.g. when a connection of the team changes.
  void forget_team(const std::string& team_id);
  // News pushed by the source labelled `label` (a webhook) about one address: an
  // unsubscribe becomes its cached answer at once; anything else only drops the cached
  // answer, so the next check asks the source (news never lifts a refusal by itself).
  void pushed(const std::string& label, const std::string& team_id, const std::string& key, bool unsubscribed);

 private:
  struct Entry {
    CheckedSource source;
    std::unique_ptr<FreshnessCache> cache;  // when source.cached
  };
  // Asks one source about `keys`, writing its refusals into `answer`.
  struct Question {
    const std::string& team_id;
    const TeamPolicy& policy;
    Urgency urgency;
    bool from_memory = false;  // fail rather than wait on a database or a vendor
  };
  // nullopt only when asked from memory and memory did not know.
  std::optional<GateAnswer> answer(const Question& q, const std::vector<std::string>& keys);
  // False only when asked from memory and memory did not know.
  bool ask(int rank, Entry& entry, const Question& q, const std::vector<std::string>& keys, GateAnswer& answer);
  // What the source's mirror and cache cannot answer; their refusals go into `answer`.
  // nullopt when asked from memory and the mirror's copy did not know.
  std::optional<std::vector<std::string>> not_answered_locally(int rank, Entry& entry, const Question& q,
                                                               const std::vector<std::string>& keys,
                                                               GateAnswer& answer);
  void unavailable(const Entry& entry, const Question& q, const std::vector<std::string>& keys, const Error& error,
                   GateAnswer& answer);

  std::vector<Entry> sources_;
  Clock& clock_;
  Metrics& metrics_;
  const Millis max_age_;
};

}  // namespace sg::gate
