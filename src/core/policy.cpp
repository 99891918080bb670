#include "core/policy.h"

namespace sg {

std::string_view reason_of(Verdict v) {
  switch (v) {
    case Verdict::Allowed: return "";
    case Verdict::MarketoUnsubscribed: return "marketo_unsubscribed";
    case Verdict::Suppressed: return "suppressed";
    case Verdict::Unverified: return "check_unavailable";
  }
  return "";
}

Outcome decide(Workflow workflow, Verdict verdict) {
  if (verdict == Verdict::Allowed) return Outcome::Send;
  if (verdict == Verdict::Unverified)
    return is_interactive(workflow) ? Outcome::Unavailable : Outcome::Hold;
  switch (workflow) {
    case Workflow::Individual:
    case Workflow::Plugin: return Outcome::RefuseRequest;
    case Workflow::Campaign: return Outcome::FailAndStop;
    case Workflow::SelectAndSend: return Outcome::RecordFailed;
    case Workflow::Group: return Outcome::DropSilently;
  }
  return Outcome::RefuseRequest;  // unreachable; refusing is the safe default
}

}  // namespace sg
