// fate(): PRODUCT.md's per-workflow table as one pure function — what becomes of an
// email, and of the request that made it, once the gate has judged a recipient. Every
// service that records or delivers an email reads its consequences from here, so a new
// workflow or finding is a change in fate.cpp that the compiler walks you through.
#pragma once

#include "core/email_status.h"
#include "core/verdict.h"
#include "core/workflow.h"

namespace sg {

// When the gate is asked: as the email is accepted, or again just before delivery.
enum class Stage { Request, Delivery };

// Whether the whole request is refused with the person waiting for it (interactive
// workflows only, at request time).
enum class Refusal {
  None,
  Unsubscribed,  // 422 naming the unsubscribed recipients
  Unavailable,   // 503: could not verify, try again later
};

struct Fate {
  // Queued: go on (accept, or deliver). Held: ask the gate again later. Otherwise the
  // final status the email is recorded with.
  EmailStatus status = EmailStatus::Queued;
  Refusal refusal = Refusal::None;
  bool stops_enrollment = false;  // a campaign's enrollment ends here
  bool seen_by_sender = true;     // false: only admins see the email (a group send's drops)

  bool operator==(const Fate&) const = default;
};

Fate fate(Workflow workflow, Finding finding, Stage stage);

}  // namespace sg
