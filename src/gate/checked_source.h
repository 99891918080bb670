// CheckedSource: one source of opt-outs as the gate asks it — the team's own suppression
// list, a vendor's unsubscribe state. The gate holds an ordered list of these; adding a
// source is one more entry, built beside its vendor's adapter.
#pragma once

#include <string>
#include <string_view>

#include "gate/mirror.h"
#include "gate/suppression_source.h"

namespace sg::gate {

struct CheckedSource {
  std::string name;    // the key of the team's policy for it (TeamPolicy::sources); unique
  std::string label;   // how people call it, in messages and logs ("Marketo")
  std::string reason;  // the API reason code of an address it reports
  SuppressionSource* source = nullptr;
  bool always_on = false;    // applies whatever the team's settings (the team's own list)
  bool cached = false;       // answers are reused through the freshness cache (remote, metered)
  Mirror* mirror = nullptr;  // a local copy consulted before the cache and the source
  // Why the source could not answer, in words of our own for API answers and the emails
  // log; what the vendor said reaches only the log. Empty: a generic sentence.
  std::string (*describe_unavailable)(std::string_view code) = nullptr;
  // Whether a failure with this code is no outage but a question the source can never
  // answer (an address too many of its records share): the fail policy is for outages, so
  // such an address is blocked whatever the policy. Null: every failure is an outage.
  bool (*never_answers)(std::string_view code) = nullptr;
  // Whether a failure with this code only asks to be left alone a moment (a rate-limit
  // window): an asker that can wait holds its email rather than send it unverified.
  bool (*back_soon)(std::string_view code) = nullptr;
};

}  // namespace sg::gate
