// Wire names of workflows and statuses.
#include <gtest/gtest.h>

#include "core/email_status.h"
#include "core/workflow.h"

namespace sg {
namespace {

TEST(Workflow, NamesRoundTrip) {
  for (auto w : {Workflow::Individual, Workflow::Plugin, Workflow::Campaign, Workflow::SelectAndSend,
                 Workflow::Group})
    EXPECT_EQ(w, parse_workflow(to_string(w)));
  EXPECT_FALSE(parse_workflow("Individual"));
  EXPECT_TRUE(is_interactive(Workflow::Plugin));
  EXPECT_FALSE(is_interactive(Workflow::Group));
}

TEST(EmailStatus, NamesRoundTripAndFinality) {
  for (auto s : {EmailStatus::Queued, EmailStatus::Held, EmailStatus::Sent, EmailStatus::Failed,
                 EmailStatus::Suppressed, EmailStatus::Blocked})
    EXPECT_EQ(s, parse_email_status(to_string(s)));
  EXPECT_FALSE(is_final(EmailStatus::Queued));
  EXPECT_FALSE(is_final(EmailStatus::Held));
  EXPECT_TRUE(is_final(EmailStatus::Sent));
  EXPECT_TRUE(is_final(EmailStatus::Blocked));
}

}  // namespace
}  // namespace sg
