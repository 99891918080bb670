// A team's stored settings as the gate's switches, found by the sources' own names.
#include "sending/team_policy.h"

#include <gtest/gtest.h>

#include "fakes/fake_sources.h"
#include "mirror/marketo_source.h"

namespace sg::sending {
namespace {

TEST(TeamPolicy, TurnsMarketoOnUnderTheNameItsGateSourceCarries) {
  test::FakeSource marketo;
  const std::string name = mirror::marketo_checked_source(marketo, nullptr).name;
  auto on = team_policy({true, FailPolicy::Send, true});
  EXPECT_TRUE(on.use_of(name).on);
  EXPECT_TRUE(on.use_of(name).mirror_authoritative);
  EXPECT_EQ(FailPolicy::Send, on.on_check_unavailable);
  auto off = team_policy({false, FailPolicy::Block, false});
  EXPECT_FALSE(off.use_of(name).on);
  EXPECT_EQ(FailPolicy::Block, off.on_check_unavailable);
}

}  // namespace
}  // namespace sg::sending
