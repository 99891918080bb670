// Every cell of PRODUCT.md's per-workflow table: each workflow × finding × stage.
#include <gtest/gtest.h>

#include "core/fate.h"

namespace sg {
namespace {

struct Cell {
  Workflow workflow;
  Finding finding;
  Stage stage;
  Fate expected;
};

constexpr Fate kGoOn{};
constexpr Fate kHold{EmailStatus::Held};
constexpr Fate kRefuseUnsubscribed{EmailStatus::Blocked, Refusal::Unsubscribed};
constexpr Fate kRefuseUnavailable{EmailStatus::Blocked, Refusal::Unavailable};
constexpr Fate kFail{EmailStatus::Failed};
constexpr Fate kFailAndStop{EmailStatus::Failed, Refusal::None, true};
constexpr Fate kDropSilently{EmailStatus::Suppressed, Refusal::None, false, false};

TEST(Fate, EveryWorkflowFindingAndStage) {
  const Cell cells[] = {
      {Workflow::Individual, Finding::Allowed, Stage::Request, kGoOn},
      {Workflow::Individual, Finding::Unsubscribed, Stage::Request, kRefuseUnsubscribed},
      {Workflow::Individual, Finding::Unverified, Stage::Request, kRefuseUnavailable},
      {Workflow::Individual, Finding::Allowed, Stage::Delivery, kGoOn},
      {Workflow::Individual, Finding::Unsubscribed, Stage::Delivery, kFail},
      {Workflow::Individual, Finding::Unverified, Stage::Delivery, kHold},

      {Workflow::Plugin, Finding::Allowed, Stage::Request, kGoOn},
      {Workflow::Plugin, Finding::Unsubscribed, Stage::Request, kRefuseUnsubscribed},
      {Workflow::Plugin, Finding::Unverified, Stage::Request, kRefuseUnavailable},
      {Workflow::Plugin, Finding::Allowed, Stage::Delivery, kGoOn},
      {Workflow::Plugin, Finding::Unsubscribed, Stage::Delivery, kFail},
      {Workflow::Plugin, Finding::Unverified, Stage::Delivery, kHold},

      {Workflow::Campaign, Finding::Allowed, Stage::Request, kGoOn},
      {Workflow::Campaign, Finding::Unsubscribed, Stage::Request, kFailAndStop},
      {Workflow::Campaign, Finding::Unverified, Stage::Request, kHold},
      {Workflow::Campaign, Finding::Allowed, Stage::Delivery, kGoOn},
      {Workflow::Campaign, Finding::Unsubscribed, Stage::Delivery, kFailAndStop},
      {Workflow::Campaign, Finding::Unverified, Stage::Delivery, kHold},

      {Workflow::SelectAndSend, Finding::Allowed, Stage::Request, kGoOn},
      {Workflow::SelectAndSend, Finding::Unsubscribed, Stage::Request, kFail},
      {Workflow::SelectAndSend, Finding::Unverified, Stage::Request, kHold},
      {Workflow::SelectAndSend, Finding::Allowed, Stage::Delivery, kGoOn},
      {Workflow::SelectAndSend, Finding::Unsubscribed, Stage::Delivery, kFail},
      {Workflow::SelectAndSend, Finding::Unverified, Stage::Delivery, kHold},

      {Workflow::Group, Finding::Allowed, Stage::Request, kGoOn},
      {Workflow::Group, Finding::Unsubscribed, Stage::Request, kDropSilently},
      {Workflow::Group, Finding::Unverified, Stage::Request, kHold},
      {Workflow::Group, Finding::Allowed, Stage::Delivery, kGoOn},
      {Workflow::Group, Finding::Unsubscribed, Stage::Delivery, kDropSilently},
      {Workflow::Group, Finding::Unverified, Stage::Delivery, kHold},
  };
  for (const auto& c : cells)
    EXPECT_EQ(c.expected, fate(c.workflow, c.finding, c.stage))
        << to_string(c.workflow) << " / finding " << static_cast<int>(c.finding) << " / stage "
        << static_cast<int>(c.stage);
}

TEST(Fate, OnlyAnAllowedRecipientGoesOnAndOnlyGroupDropsAreHiddenFromTheSender) {
  for (auto w : {Workflow::Individual, Workflow::Plugin, Workflow::Campaign, Workflow::SelectAndSend,
                 Workflow::Group})
    for (auto f : {Finding::Allowed, Finding::Unsubscribed, Finding::Unverified})
      for (auto s : {Stage::Request, Stage::Delivery}) {
        Fate got = fate(w, f, s);
        EXPECT_EQ(f == Finding::Allowed, got.status == EmailStatus::Queued);
        EXPECT_EQ(w == Workflow::Group && f == Finding::Unsubscribed, !got.seen_by_sender);
        EXPECT_TRUE(got.refusal == Refusal::None || is_interactive(w));
      }
}

}  // namespace
}  // namespace sg
