// FreshnessCache and the gate keep the newest answer by when it was asked: a lookup asked
// before a webhook's unsubscribe but answered after it must not overwrite it.
#include "gate/freshness_cache.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/unsubscribe_gate.h"

namespace sg::gate {
namespace {

TEST(FreshnessCache, AnAnswerAskedBeforeTheCachedOneIsDropped) {
  test::FakeClock clock;
  FreshnessCache cache(Millis(60000), 10);
  const TimePoint asked = clock.now(), webhook = clock.now() + Millis(50);
  cache.put("tm", "ann@x.com", true, webhook);
  cache.put("tm", "ann@x.com", false, asked);
  EXPECT_EQ(std::optional<bool>(true), cache.get("tm", "ann@x.com", webhook));
  cache.put("tm", "ann@x.com", false, webhook);
  EXPECT_EQ(std::optional<bool>(true), cache.get("tm", "ann@x.com", webhook)) << "a tie keeps the unsubscribe";
  cache.put("tm", "ann@x.com", false, webhook + Millis(1));
  EXPECT_EQ(std::optional<bool>(false), cache.get("tm", "ann@x.com", webhook + Millis(1))) << "newer news";
}

TEST(FreshnessCache, OnlyACachedUnsubscribeIsOutdatedByALaterResubscribe) {
  test::FakeClock clock;
  FreshnessCache cache(Millis(60000), 10);
  const TimePoint asked = clock.now(), later = asked + Millis(1);
  cache.put("tm", "ann@x.com", true, asked);
  cache.put("tm", "bob@x.com", false, asked);
  EXPECT_EQ(std::nullopt, cache.get("tm", "ann@x.com", later, later));
  EXPECT_EQ(std::optional<bool>(true), cache.get("tm", "ann@x.com", later, asked)) << "not before it";
  EXPECT_EQ(std::optional<bool>(false), cache.get("tm", "bob@x.com", later, later)) << "the same news";
}

// A source whose answer ("not unsubscribed") comes back after a webhook's unsubscribe of
// the same address reached the gate.
class OvertakenSource final : public SuppressionSource {
 public:
  explicit OvertakenSource(test::FakeClock& clock) : clock_(clock) {}
  Result<std::unordered_set<std::string>> unsubscribed_among(const std::string& team_id,
                                                             const std::vector<std::string>& keys) override {
    clock_.advance(Millis(20));
    gate->pushed("Marketo", team_id, keys.front(), true);
    clock_.advance(Millis(20));
    return std::unordered_set<std::string>{};
  }
  UnsubscribeGate* gate = nullptr;

 private:
  test::FakeClock& clock_;
};

TEST(UnsubscribeGateOrder, ALookupOvertakenByAWebhookDoesNotLiftItsUnsubscribe) {
  test::FakeClock clock;
  Metrics metrics;
  OvertakenSource source(clock);
  CheckedSource s;
  s.name = "marketo";
  s.label = "Marketo";
  s.reason = "marketo_unsubscribed";
  s.source = &source;
  s.cached = true;
  UnsubscribeGate gate({s}, clock, metrics, GateOptions{Millis(60000)});
  source.gate = &gate;
  TeamPolicy policy;
  policy.sources["marketo"] = {true, false};

  gate.check("tm", policy, {"ann@x.com"});  // answered "not unsubscribed", but after the webhook
  EXPECT_EQ(Finding::Unsubscribed, gate.check("tm", policy, {"ann@x.com"}).verdict("ann@x.com").finding)
      << "the webhook's unsubscribe stands";
}

}  // namespace
}  // namespace sg::gate
