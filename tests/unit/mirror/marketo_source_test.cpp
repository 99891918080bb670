// Marketo as the gate sees it: its name, reason and the words for an outage.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_sources.h"
#include "gate/unsubscribe_gate.h"
#include "marketo/error_codes.h"
#include "mirror/marketo_source.h"

namespace sg::mirror {
namespace {

TEST(MarketoCheckedSource, IsCachedConsultsTheMirrorAndRefusesAsMarketoUnsubscribed) {
  test::FakeSource asked;
  struct NoMirror final : gate::Mirror {
    std::unordered_map<std::string, gate::MirrorAnswer> mirrored(const std::string&,
                                                                const std::vector<std::string>&) override {
      return {};
    }
  } mirror;
  gate::CheckedSource s = marketo_checked_source(asked, &mirror);
  EXPECT_EQ("marketo", s.name);
  EXPECT_EQ("marketo_unsubscribed", s.reason);
  EXPECT_EQ(&asked, s.source);
  EXPECT_EQ(&mirror, s.mirror);
  EXPECT_TRUE(s.cached);
  EXPECT_FALSE(s.always_on);
  EXPECT_EQ("Marketo", s.label);
  EXPECT_EQ(&describe_marketo_unavailable, s.describe_unavailable);
}

TEST(MarketoCheckedSource, AnOutageReachesTheGatesAnswerInOurOwnWordsNamingMarketo) {
  test::FakeSource asked;
  asked.failing = true;
  test::FakeClock clock;
  Metrics metrics;
  gate::UnsubscribeGate gate({marketo_checked_source(asked, nullptr)}, clock, metrics, {});
  gate::TeamPolicy policy;
  policy.sources[std::string(kMarketoSourceName)] = {true, false};
  auto answer = gate.check("tm", policy, {"a@x.com"});
  EXPECT_TRUE(answer.unavailable);
  EXPECT_EQ("Marketo", answer.unavailable_source);
  EXPECT_EQ("the Marketo endpoint could not be reached", answer.unavailable_detail);
  EXPECT_EQ(Finding::Unverified, answer.verdict("a@x.com").finding);
}

TEST(DescribeMarketoUnavailable, SaysWhyInOurOwnWordsAndNothingForAnUnknownCode) {
  EXPECT_EQ("the Marketo endpoint could not be reached", describe_marketo_unavailable(marketo::errc::unreachable));
  EXPECT_EQ("Marketo's daily API quota is spent", describe_marketo_unavailable(marketo::errc::quota_exceeded));
  EXPECT_EQ("too many of the team's requests are already waiting on Marketo",
            describe_marketo_unavailable(marketo::errc::busy));
  EXPECT_EQ("", describe_marketo_unavailable("something_new"));
}

}  // namespace
}  // namespace sg::mirror
