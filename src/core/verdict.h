// Verdict: what the gate says about one recipient, after the team's fail policy. The
// gate asks a list of sources in turn (a team's own suppression list, then its vendors),
// so a refusing verdict names the source that refused by that source's reason code.
#pragma once

#include <string_view>

namespace sg {

enum class Finding {
  Allowed,       // no source reports the address unsubscribed
  Unsubscribed,  // a source reports it unsubscribed (`reason` says which)
  Unverified,    // a source could not answer and the policy is "block"
};

// The reason of an Unverified verdict, as API.md spells it.
inline constexpr std::string_view kCheckUnavailable = "check_unavailable";

struct Verdict {
  Finding finding = Finding::Allowed;
  // The API reason code: the deciding source's ("suppressed" for the team's own list), or
  // kCheckUnavailable; empty when allowed. Views the gate's copy: valid while the gate is.
  std::string_view reason;
  // The deciding source's place in the gate's list; when recipients of one email are
  // refused by several sources, the later source names the email's reason.
  int source_rank = -1;

  bool allowed() const { return finding == Finding::Allowed; }
};

}  // namespace sg
