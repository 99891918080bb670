// require_admin: the one rule every admin-only action goes through.
#include "core/caller.h"

#include <gtest/gtest.h>

namespace sg {
namespace {

TEST(RequireAdmin, LetsATeamAdminAct) {
  EXPECT_TRUE(require_admin(Caller{"us_1", "tm_1", "ann@acme.com", true}, "read the audit log"));
}

TEST(RequireAdmin, RefusesAnyoneElseNamingTheAction) {
  Status refused = require_admin(Caller{"us_2", "tm_1", "bob@acme.com", false}, "read the audit log");

  ASSERT_FALSE(refused);
  EXPECT_EQ("forbidden", refused.error().code);
  EXPECT_EQ("only a team admin may read the audit log", refused.error().message);
  EXPECT_TRUE(refused.error().field.empty());
}

}  // namespace
}  // namespace sg
