#include "core/fate.h"

namespace sg {
namespace {

Fate unsubscribed(Workflow workflow, Stage stage) {
  switch (workflow) {
    case Workflow::Individual:
    case Workflow::Plugin:
      // Refused while the sender waits; an email already accepted fails instead.
      if (stage == Stage::Request) return {EmailStatus::Blocked, Refusal::Unsubscribed};
      return {EmailStatus::Failed};
    case Workflow::Campaign: return {EmailStatus::Failed, Refusal::None, /*stops_enrollment=*/true};
    case Workflow::SelectAndSend: return {EmailStatus::Failed};
    case Workflow::Group:
      return {EmailStatus::Suppressed, Refusal::None, /*stops_enrollment=*/false, /*seen_by_sender=*/false};
  }
  return {EmailStatus::Failed};  // unreachable: every workflow is handled above
}

Fate unverified(Workflow workflow, Stage stage) {
  switch (workflow) {
    case Workflow::Individual:
    case Workflow::Plugin:
      if (stage == Stage::Request) return {EmailStatus::Blocked, Refusal::Unavailable};
      return {EmailStatus::Held};
    case Workflow::Campaign:
    case Workflow::SelectAndSend:
    case Workflow::Group: return {EmailStatus::Held};
  }
  return {EmailStatus::Held};  // unreachable: every workflow is handled above
}

}  // namespace

Fate fate(Workflow workflow, Finding finding, Stage stage) {
  switch (finding) {
    case Finding::Allowed: return {};
    case Finding::Unsubscribed: return unsubscribed(workflow, stage);
    case Finding::Unverified: return unverified(workflow, stage);
  }
  return unsubscribed(workflow, stage);  // unreachable; refusing is the safe default
}

}  // namespace sg
