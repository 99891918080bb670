#include <gtest/gtest.h>

#include "client_harness.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const std::vector<int> kUnsubscribeTypes{9, 13};

TEST(MarketoActivityFeed, PagingTokenAsksForActivitiesSinceTheInstant) {
  ClientHarness h;
  h.http.script(kPagingTokenPath, {ok(R"({"requestId":"1","success":true,"nextPageToken":"GIYDAOBN"})")});
  Result<std::string> token = h.client.paging_token(credentials(), from_unix_millis(1764144000000));
  ASSERT_TRUE(token.ok());
  EXPECT_EQ("GIYDAOBN", *token);
  const auto requests = h.http.requests_to(kPagingTokenPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ("GET", requests[0].method);
  EXPECT_EQ(
      "https://123-ABC-456.mktorest.com/rest/v1/activities/pagingtoken.json?sinceDatetime=2025-11-26T08%3A00%3A00Z",
      requests[0].url);
  EXPECT_EQ("Bearer tok-1", header(requests[0], "Authorization"));
  EXPECT_EQ(1u, h.calls("paging_token", "success"));
}

TEST(MarketoActivityFeed, PagingTokenMissingFromTheReplyIsAMarketoError) {
  ClientHarness h;
  h.http.script(kPagingTokenPath, {ok(R"({"requestId":"1","success":true})")});
  Result<std::string> token = h.client.paging_token(credentials(), h.clock.now());
  ASSERT_FALSE(token.ok());
  EXPECT_EQ("marketo_error", token.error().code);
}

TEST(MarketoActivityFeed, ActivityTypesReadIdNameAndPrimaryAttribute) {
  ClientHarness h;
  h.http.script(
      kActivityTypesPath,
      {ok(success_json(
          R"({"id":9,"name":"Unsubscribe Email","primaryAttribute":{"name":"Mailing ID","dataType":"integer"}},)"
          R"({"id":13,"name":"Change Data Value","primaryAttribute":{"name":"Attribute Name","dataType":"string"},)"
          R"("attributes":[{"name":"New Value","dataType":"string"}]},)"
          R"({"id":12,"name":"New Lead"},)"
          R"({"name":"no id"})"))});
  auto types = h.client.activity_types(credentials());
  ASSERT_TRUE(types.ok());
  ASSERT_EQ(3u, types->size());
  EXPECT_EQ(9, (*types)[0].id);
  EXPECT_EQ("Unsubscribe Email", (*types)[0].name);
  EXPECT_EQ("Mailing ID", (*types)[0].primary_attribute);
  EXPECT_EQ(13, (*types)[1].id);
  EXPECT_EQ("Attribute Name", (*types)[1].primary_attribute);
  EXPECT_EQ("", (*types)[2].primary_attribute);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/activities/types.json",
            h.http.requests_to(kActivityTypesPath)[0].url);
  EXPECT_EQ(1u, h.calls("activity_types", "success"));
}

TEST(MarketoActivityFeed, ActivitiesAskForTheTypesFromTheTokenInPagesOfThreeHundred) {
  ClientHarness h;
  h.http.script(
      kActivitiesPath,
      {ok(activities_json(activity_json(501, 318581, 13, "Unsubscribed",
                                        R"([{"name":"New Value","value":true},{"name":"Old Value","value":false},)"
                                        R"({"name":"Reason","value":null},{"name":"Score","value":12}])"),
                          "NEXT", false))});
  Result<ActivityPage> page = h.client.activities(credentials(), "GIYD+AOBN", kUnsubscribeTypes);
  ASSERT_TRUE(page.ok());
  const auto requests = h.http.requests_to(kActivitiesPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ(
      "https://123-ABC-456.mktorest.com/rest/v1/activities.json"
      "?activityTypeIds=9,13&nextPageToken=GIYD%2BAOBN&batchSize=300",
      requests[0].url);
  EXPECT_EQ("Bearer tok-1", header(requests[0], "Authorization"));
  EXPECT_EQ("NEXT", page->next_token);
  EXPECT_FALSE(page->more);
  ASSERT_EQ(1u, page->items.size());
  const Activity& item = page->items[0];
  EXPECT_EQ("501", item.marketo_guid);
  EXPECT_EQ(318581, item.lead_id);
  EXPECT_EQ(13, item.type_id);
  EXPECT_EQ("2026-01-15T11:59:00Z", item.date);
  EXPECT_EQ("Unsubscribed", item.primary_attribute_value);
  ASSERT_EQ(4u, item.attributes.size());
  EXPECT_EQ("New Value", item.attributes[0].name);
  EXPECT_EQ("true", item.attributes[0].value);
  EXPECT_EQ("false", item.attributes[1].value);
  EXPECT_EQ("", item.attributes[2].value);
  EXPECT_EQ("12", item.attributes[3].value);
  EXPECT_EQ(1u, h.calls("activity", "success"));
}

TEST(MarketoActivityFeed, ActivitiesAreReadPageByPageWhileMoreResultHolds) {
  // Given a short page with moreResult, then one without a "result" at all: a reader
  // following next_token while `more` gets every activity and ends on the last token.
  ClientHarness h;
  h.http.script(
      "nextPageToken=T1",
      {ok(activities_json(activity_json(1, 10, 9, "Newsletter.Email") + "," + activity_json(2, 10, 13, "Unsubscribed"),
                          "T2", true))});
  h.http.script("nextPageToken=T2", {ok(activities_json(activity_json(3, 11, 13, "Unsubscribed"), "T3", true))});
  h.http.script("nextPageToken=T3", {ok(activities_json("", "T4", false))});
  std::vector<std::string> ids;
  std::string token = "T1";
  while (true) {
    Result<ActivityPage> page = h.client.activities(credentials(), token, kUnsubscribeTypes);
    ASSERT_TRUE(page.ok());
    for (const Activity& item : page->items) ids.push_back(item.marketo_guid);
    token = page->next_token;
    if (!page->more) break;
  }
  EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), ids);
  EXPECT_EQ("T4", token);
  EXPECT_EQ(3u, h.calls("activity", "success"));
}

TEST(MarketoActivityFeed, ActivitiesWithoutANextPageTokenResumeFromTheSameToken) {
  ClientHarness h;
  h.http.script(kActivitiesPath, {ok(success_json(activity_json(1, 10, 9, "x"), R"(,"moreResult":true)"))});
  Result<ActivityPage> page = h.client.activities(credentials(), "T1", kUnsubscribeTypes);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ("T1", page->next_token);
  EXPECT_FALSE(page->more) << "without a new token, asking again would only repeat the page";
  EXPECT_EQ(1u, page->items.size());
}

TEST(MarketoActivityFeed, ActivitiesWithoutAnIntegerIdAreReadByLeadTypeAndGuid) {
  // Activity Service instances may send no "id"; "marketoGUID" identifies the activity.
  ClientHarness h;
  h.http.script(kActivitiesPath,
                {ok(activities_json(R"({"marketoGUID":"3f0c-11","leadId":30,"activityTypeId":13,)"
                                    R"("activityDate":"2026-01-15T11:59:00Z","primaryAttributeValue":"Unsubscribed",)"
                                    R"("attributes":[{"name":"New Value","value":true}]},)"
                                    R"({"leadId":31,"activityTypeId":9})",
                                    "T2", false))});
  Result<ActivityPage> page = h.client.activities(credentials(), "T1", kUnsubscribeTypes);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(2u, page->items.size());
  EXPECT_EQ("3f0c-11", page->items[0].marketo_guid);
  EXPECT_EQ(30, page->items[0].lead_id);
  EXPECT_EQ(13, page->items[0].type_id);
  EXPECT_EQ("", page->items[1].marketo_guid);
  EXPECT_EQ(31, page->items[1].lead_id);
}

TEST(MarketoActivityFeed, APageWithAnItemWithoutLeadOrTypeFailsRatherThanSkipIt) {
  for (const std::string bad : {R"({"id":1,"activityTypeId":9})", R"({"id":2,"leadId":2})", R"("junk")"}) {
    ClientHarness h;
    h.http.script(kActivitiesPath,
                  {ok(activities_json(activity_json(3, 30, 13, "Unsubscribed") + "," + bad, "T2", false))});
    Result<ActivityPage> page = h.client.activities(credentials(), "T1", kUnsubscribeTypes);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ("invalid_response", page.error().code);
    EXPECT_NE(std::string::npos, page.error().message.find("activity 2 of 2")) << page.error().message;
  }
}

TEST(MarketoActivityFeed, ActivitiesRefuseArgumentsMarketoWouldRejectWithoutCalling) {
  ClientHarness h;
  const std::vector<int> eleven{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  for (auto [token, types] :
       {std::pair<std::string, std::vector<int>>{"", kUnsubscribeTypes}, {"T1", {}}, {"T1", eleven}}) {
    Result<ActivityPage> page = h.client.activities(credentials(), token, types);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ("marketo_error", page.error().code);
  }
  EXPECT_TRUE(h.http.requests().empty());
}

TEST(MarketoActivityFeed, ActivityCallsAreRetriedLikeLookups) {
  ClientHarness h;
  h.http.script(kActivitiesPath, {ok(error_json("604")), ok(activities_json("", "T2", false))});
  Result<ActivityPage> page = h.client.activities(credentials(), "T1", kUnsubscribeTypes);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(2u, h.http.requests_to(kActivitiesPath).size());
  EXPECT_EQ(1u, h.calls("activity", "604"));
  EXPECT_EQ(1u, h.calls("activity", "success"));
}

TEST(MarketoActivityFeed, FieldIdIsReadFromDescribeByRestName) {
  ClientHarness h;
  h.http.script(kDescribePath, {ok(describe_json(48, "Opted Out"))});
  auto ids = h.client.field_ids(credentials());
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  EXPECT_EQ(48, ids->at("unsubscribed")) << "found by its REST name, whatever its display name";
  EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/leads/describe.json",
            h.http.requests_to(kDescribePath).at(0).url);
  EXPECT_EQ(1u, h.calls("describe", "success"));
}

TEST(MarketoActivityFeed, FieldIdOfAFieldTheInstanceLacksIsNone) {
  ClientHarness h;
  h.http.script(kDescribePath, {ok(success_json(R"({"id":2,"displayName":"Company","rest":{"name":"company"}})"))});
  auto ids = h.client.field_ids(credentials());
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ((FieldIds{{"company", 2}}), *ids);
}

TEST(MarketoActivityFeed, ChangeDataValueCarriesTheFieldId) {
  ClientHarness h;
  h.http.script(kActivitiesPath, {ok(activities_json(change_json(7, 501, 13, 48, "Opted Out", "true"), "N", false))});
  auto page = h.client.activities(credentials(), "T", kUnsubscribeTypes);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(1u, page->items.size());
  EXPECT_EQ(48, page->items[0].primary_attribute_value_id);
  EXPECT_EQ("Opted Out", page->items[0].primary_attribute_value);
}

TEST(MarketoLeadsById, LeadsByIdReadEmailAndUnsubscribed) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(success_json(R"({"id":10,"email":"Ann@X.com","unsubscribed":true},)"
                                             R"({"id":"11","email":"bob@y.com","unsubscribed":false},)"
                                             R"({"id":12,"email":null})"))});
  auto leads = h.client.leads_by_id(credentials(), {10, 11, 12, 99});
  ASSERT_TRUE(leads.ok());
  ASSERT_EQ(3u, leads->size());
  EXPECT_EQ(10, (*leads)[0].id);
  EXPECT_EQ("Ann@X.com", (*leads)[0].email);
  EXPECT_TRUE((*leads)[0].unsubscribed);
  EXPECT_EQ(11, (*leads)[1].id);
  EXPECT_FALSE((*leads)[1].unsubscribed);
  EXPECT_EQ("", (*leads)[2].email);
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(1u, requests.size());
  EXPECT_EQ(
      "https://123-ABC-456.mktorest.com/rest/v1/leads.json?filterType=id&filterValues=10,11,12,99"
      "&fields=email,unsubscribed",
      requests[0].url);
  EXPECT_EQ(1u, h.calls("lead_by_id", "success"));
  EXPECT_EQ(0u, h.calls("lookup", "success"));
}

TEST(MarketoLeadsById, LeadsByIdBatchesThreeHundredIdsPerCall) {
  ClientHarness h;
  h.http.script(kLeadsPath, {ok(success_json(""))});
  std::vector<int64_t> ids;
  for (int64_t id = 1; id <= 601; ++id) ids.push_back(id);
  ASSERT_TRUE(h.client.leads_by_id(credentials(), ids).ok());
  const auto requests = h.http.requests_to(kLeadsPath);
  ASSERT_EQ(3u, requests.size());
  EXPECT_EQ(300u, filter_value_count(requests[0]));
  EXPECT_EQ(300u, filter_value_count(requests[1]));
  EXPECT_EQ(1u, filter_value_count(requests[2]));
  EXPECT_NE(std::string::npos, requests[2].url.find("filterValues=601&"));
}

TEST(MarketoLeadsById, LeadsByIdOfNoIdsCallsNothing) {
  ClientHarness h;
  auto leads = h.client.leads_by_id(credentials(), {});
  ASSERT_TRUE(leads.ok());
  EXPECT_TRUE(leads->empty());
  EXPECT_TRUE(h.http.requests().empty());
}

}  // namespace
}  // namespace sg::marketo
