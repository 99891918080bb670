// Every cell of PRODUCT.md's per-workflow table.
#include <gtest/gtest.h>

#include "core/email_status.h"
#include "core/policy.h"

namespace sg {
namespace {

struct Cell {
  Workflow workflow;
  Verdict verdict;
  Outcome expected;
};

TEST(Policy, EveryWorkflowAndVerdict) {
  const Cell cells[] = {
      {Workflow::Individual, Verdict::Allowed, Outcome::Send},
      {Workflow::Individual, Verdict::MarketoUnsubscribed, Outcome::RefuseRequest},
      {Workflow::Individual, Verdict::Suppressed, Outcome::RefuseRequest},
      {Workflow::Individual, Verdict::Unverified, Outcome::Unavailable},
      {Workflow::Plugin, Verdict::Allowed, Outcome::Send},
      {Workflow::Plugin, Verdict::MarketoUnsubscribed, Outcome::RefuseRequest},
      {Workflow::Plugin, Verdict::Suppressed, Outcome::RefuseRequest},
      {Workflow::Plugin, Verdict::Unverified, Outcome::Unavailable},
      {Workflow::Campaign, Verdict::Allowed, Outcome::Send},
      {Workflow::Campaign, Verdict::MarketoUnsubscribed, Outcome::FailAndStop},
      {Workflow::Campaign, Verdict::Suppressed, Outcome::FailAndStop},
      {Workflow::Campaign, Verdict::Unverified, Outcome::Hold},
      {Workflow::SelectAndSend, Verdict::Allowed, Outcome::Send},
      {Workflow::SelectAndSend, Verdict::MarketoUnsubscribed, Outcome::RecordFailed},
      {Workflow::SelectAndSend, Verdict::Suppressed, Outcome::RecordFailed},
      {Workflow::SelectAndSend, Verdict::Unverified, Outcome::Hold},
      {Workflow::Group, Verdict::Allowed, Outcome::Send},
      {Workflow::Group, Verdict::MarketoUnsubscribed, Outcome::DropSilently},
      {Workflow::Group, Verdict::Suppressed, Outcome::DropSilently},
      {Workflow::Group, Verdict::Unverified, Outcome::Hold},
  };
  for (const auto& c : cells)
    EXPECT_EQ(c.expected, decide(c.workflow, c.verdict))
        << to_string(c.workflow) << " / " << static_cast<int>(c.verdict);
}

TEST(Policy, ReasonsUseApiNames) {
  EXPECT_EQ("", reason_of(Verdict::Allowed));
  EXPECT_EQ("marketo_unsubscribed", reason_of(Verdict::MarketoUnsubscribed));
  EXPECT_EQ("suppressed", reason_of(Verdict::Suppressed));
  EXPECT_EQ("check_unavailable", reason_of(Verdict::Unverified));
}

TEST(Workflow, NamesRoundTrip) {
  for (auto w : {Workflow::Individual, Workflow::Plugin, Workflow::Campaign, Workflow::SelectAndSend,
                 Workflow::Group})
    EXPECT_EQ(w, parse_workflow(to_string(w)));
  for (auto s : {Source::WebApp, Source::Gmail, Source::Outlook, Source::Salesforce, Source::Api})
    EXPECT_EQ(s, parse_source(to_string(s)));
  EXPECT_FALSE(parse_workflow("Individual"));
  EXPECT_FALSE(parse_source("thunderbird"));
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
