// Which activities change an unsubscribe: Change Data Value matched by the field's id
// (a relabelled display name still matches, another field with the old name does not),
// by the display name when the id is unknown; write-back echoes need no lookup.
#include "mirror/feed_changes.h"

#include <gtest/gtest.h>

namespace sg::mirror {
namespace {

marketo::Activity change(int64_t lead, int64_t field_id, std::string name, std::string new_value,
                         std::string source = "Marketo Flow Action") {
  return {"", lead, 13, "2026-01-15T11:59:00Z", std::move(name), field_id,
          {{"New Value", std::move(new_value)}, {"Old Value", ""}, {"Reason", ""}, {"Source", std::move(source)}}};
}

marketo::Activity unsubscribe_email(int64_t lead) { return {"", lead, 9, "", "Q1.Email", 0, {}}; }

const FeedIds kKnownField{9, 13, 48, std::nullopt, std::nullopt};
const FeedIds kUnknownField{9, 13, std::nullopt, std::nullopt, std::nullopt};
// Following new leads and changed addresses too, as for a seeded mirror; `email` is 31.
const FeedIds kNewAddresses{9, 13, 48, 12, 31};
const FeedIds kNewAddressesByName{9, 13, 48, 12, std::nullopt};

marketo::Activity new_lead(int64_t lead) {
  return {"", lead, 12, "", "", 0, {{"Source Type", "List import"}}};
}

TEST(FeedChanges, AChangeOfTheFieldIsFoundByItsIdWhateverItsDisplayName) {
  EXPECT_TRUE(is_unsubscribe_change(change(1, 48, "Opted Out", "true"), kKnownField));
  EXPECT_FALSE(is_unsubscribe_change(change(1, 52, "Unsubscribed", "true"), kKnownField))
      << "another field an admin named Unsubscribed";
  EXPECT_FALSE(is_unsubscribe_change(change(1, 52, "Lead Score", "12"), kKnownField));
}

TEST(FeedChanges, WithoutAFieldIdTheDisplayNameDecides) {
  EXPECT_TRUE(is_unsubscribe_change(change(1, 48, "Unsubscribed", "true"), kUnknownField));
  EXPECT_TRUE(is_unsubscribe_change(change(1, 48, "unsubscribed", "true"), kUnknownField));
  EXPECT_FALSE(is_unsubscribe_change(change(1, 48, "Opted Out", "true"), kUnknownField));
  EXPECT_TRUE(is_unsubscribe_change(change(1, 0, "Unsubscribed", "true"), kKnownField))
      << "an activity without the id falls back to the name";
}

TEST(FeedChanges, UnsubscribeEmailAlwaysCounts) {
  EXPECT_TRUE(is_unsubscribe_change(unsubscribe_email(1), kKnownField));
  EXPECT_FALSE(is_unsubscribe_change({"", 1, 12, "", "", 0, {}}, kKnownField));
}

TEST(FeedChanges, AnEchoOfOurWriteBackNeedsNoLookup) {
  WrittenBack ours{{501, "ann@x.com"}};
  auto c = unsubscribe_changes({change(501, 48, "Unsubscribed", "true", "Web service API"),
                                change(502, 48, "Unsubscribed", "true", "Web service API")},
                               kKnownField, ours);
  EXPECT_EQ((std::map<int64_t, std::string>{{501, "ann@x.com"}}), c.echoed);
  EXPECT_EQ((std::set<int64_t>{502}), c.to_look_up) << "another integration's change: not ours";
}

TEST(FeedChanges, AnythingButAnEchoOnTheLeadMeansALookup) {
  WrittenBack ours{{501, "ann@x.com"}};
  auto resubscribed = unsubscribe_changes({change(501, 48, "Unsubscribed", "true", "Web service API"),
                                           change(501, 48, "Unsubscribed", "false", "Web service API")},
                                          kKnownField, ours);
  EXPECT_TRUE(resubscribed.echoed.empty());
  EXPECT_EQ((std::set<int64_t>{501}), resubscribed.to_look_up);
  auto before = unsubscribe_changes({change(501, 48, "Unsubscribed", "false", "Web service API"),
                                     change(501, 48, "Unsubscribed", "true", "Web service API")},
                                    kKnownField, ours);
  EXPECT_TRUE(before.echoed.empty());
  EXPECT_EQ((std::set<int64_t>{501}), before.to_look_up);
  auto from_sync = unsubscribe_changes({change(501, 48, "Unsubscribed", "true", "Salesforce.com")}, kKnownField, ours);
  EXPECT_EQ((std::set<int64_t>{501}), from_sync.to_look_up);
}

TEST(FeedChanges, NewLeadsAndChangedAddressesAreReadOnlyWhenWatched) {
  EXPECT_EQ((std::vector<int>{9, 13}), feed_types(kKnownField));
  EXPECT_EQ((std::vector<int>{9, 13, 12}), feed_types(kNewAddresses));
  EXPECT_FALSE(brings_an_address(new_lead(1), kKnownField));
  EXPECT_TRUE(brings_an_address(new_lead(1), kNewAddresses));
}

TEST(FeedChanges, AChangedAddressIsFoundByTheEmailFieldsIdOrItsName) {
  EXPECT_TRUE(brings_an_address(change(1, 31, "Email Address", "new@x.com"), kNewAddresses));
  EXPECT_TRUE(brings_an_address(change(1, 31, "Work Email", "new@x.com"), kNewAddresses)) << "relabelled";
  EXPECT_FALSE(brings_an_address(change(1, 52, "Lead Score", "12"), kNewAddresses));
  EXPECT_TRUE(brings_an_address(change(1, 0, "Email Address", "new@x.com"), kNewAddressesByName));
  EXPECT_FALSE(brings_an_address(change(1, 31, "Email Address", "new@x.com"), kKnownField)) << "not watched";
}

TEST(FeedChanges, ALeadThatBroughtAnAddressIsLookedUpEvenWhenItsChangeIsOurEcho) {
  WrittenBack ours{{501, "ann@x.com"}};
  auto c = unsubscribe_changes({change(501, 31, "Email Address", "ann2@x.com"),
                                change(501, 48, "Unsubscribed", "true", "Web service API"), new_lead(502)},
                               kNewAddresses, ours);
  EXPECT_TRUE(c.echoed.empty()) << "our write-back named the old address";
  EXPECT_EQ((std::set<int64_t>{501, 502}), c.to_look_up);
}

}  // namespace
}  // namespace sg::mirror
