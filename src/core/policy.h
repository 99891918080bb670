// The per-workflow policy table of PRODUCT.md as one pure function.
#pragma once

#include "core/verdict.h"
#include "core/workflow.h"

namespace sg {

enum class Outcome {
  Send,              // deliver to this recipient
  RefuseRequest,     // interactive: refuse the whole send, naming the recipient
  Unavailable,       // interactive: refuse the whole send, "could not verify" (503)
  RecordFailed,      // record this recipient's email as failed with the reason
  FailAndStop,       // campaign: record failed and stop the enrollment
  DropSilently,      // group: leave the recipient out, recorded as suppressed
  Hold,              // automated: keep the email held and ask again later
};

Outcome decide(Workflow workflow, Verdict verdict);

}  // namespace sg
