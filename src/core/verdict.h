// Verdict: what the gate says about one recipient, after the team's fail policy.
#pragma once

#include <string_view>

namespace sg {

enum class Verdict {
  Allowed,              // no source reports the address unsubscribed
  MarketoUnsubscribed,  // Marketo says unsubscribed
  Suppressed,           // on the team's local suppression list
  Unverified,           // Marketo could not answer and the policy is "block"
};

// The API reason for a refusing verdict: "marketo_unsubscribed", "suppressed",
// "check_unavailable"; empty for Allowed.
std::string_view reason_of(Verdict v);

}  // namespace sg
