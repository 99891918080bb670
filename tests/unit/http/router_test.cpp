#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/errors.h"
#include "http/json_body.h"
#include "http/router.h"

namespace sg::http {
namespace {

Request make(std::string method, std::string path, std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

TEST(Router, MatchesPatternsAndFillsParams) {
  Router router;
  std::string seen;
  router.add("GET", "/api/v1/emails/{id}", [&](Request& r) {
    seen = r.path_params["id"];
    return Response{200, "text/plain", "one", {}};
  });
  router.add("GET", "/api/v1/emails", [](Request&) { return Response{200, "text/plain", "all", {}}; });
  std::string pattern;
  auto r1 = make("GET", "/api/v1/emails/em_42");
  EXPECT_EQ("one", router.dispatch(r1, pattern).body);
  EXPECT_EQ("em_42", seen);
  EXPECT_EQ("/api/v1/emails/{id}", pattern);
  auto r2 = make("GET", "/api/v1/emails/");
  EXPECT_EQ("all", router.dispatch(r2, pattern).body);
}

TEST(Router, UnknownPathIs404AndWrongMethod405) {
  Router router;
  router.add("GET", "/healthz", [](Request&) { return Response{}; });
  std::string pattern;
  auto missing = make("GET", "/nope");
  auto res = router.dispatch(missing, pattern);
  EXPECT_EQ(404, res.status);
  EXPECT_EQ("", pattern);
  auto wrong = make("DELETE", "/healthz");
  auto not_allowed = router.dispatch(wrong, pattern);
  EXPECT_EQ(405, not_allowed.status);
  ASSERT_EQ(1u, not_allowed.headers.size());
  EXPECT_EQ("Allow", not_allowed.headers[0].first);
  EXPECT_EQ("GET", not_allowed.headers[0].second);
}

TEST(Errors, StatusesFollowTheApiContract) {
  EXPECT_EQ(400, status_for("invalid_request"));
  EXPECT_EQ(401, status_for("unauthorized"));
  EXPECT_EQ(403, status_for("forbidden"));
  EXPECT_EQ(404, status_for("not_found"));
  EXPECT_EQ(409, status_for("marketo_not_connected"));
  EXPECT_EQ(409, status_for("check_enabled"));
  EXPECT_EQ(413, status_for("payload_too_large"));
  EXPECT_EQ(422, status_for("recipient_unsubscribed"));
  EXPECT_EQ(422, status_for("marketo_auth_failed"));
  EXPECT_EQ(422, status_for("marketo_unreachable"));
  EXPECT_EQ(429, status_for("rate_limited"));
  EXPECT_EQ(503, status_for("unsubscribe_check_unavailable"));
  EXPECT_EQ(500, status_for("something_unexpected"));
}

TEST(Errors, BodyCarriesCodeMessageFieldAndRecipients) {
  auto res = error_response(Error{"recipient_unsubscribed", "no", "", {"a@x.com"}});
  auto body = boost::json::parse(res.body).as_object();
  auto& e = body["error"].as_object();
  EXPECT_EQ("recipient_unsubscribed", e["code"].as_string());
  EXPECT_EQ("no", e["message"].as_string());
  EXPECT_EQ("a@x.com", e["recipients"].as_array()[0].as_string());
  EXPECT_FALSE(e.contains("field"));
  auto invalid = boost::json::parse(error_response(Error::invalid("to[1]", "bad")).body);
  EXPECT_EQ("to[1]", invalid.at("error").at("field").as_string());
}

TEST(JsonBody, TypedFieldsNameTheirErrors) {
  auto bad_json = parse_object(make("POST", "/", "{nope"));
  ASSERT_FALSE(bad_json);
  EXPECT_EQ("body", bad_json.error().field);
  EXPECT_FALSE(parse_object(make("POST", "/", "[1,2]")));
  auto o = parse_object(make("POST", "/", R"({"to":["a@x.com",3],"flag":"yes","name":5})"));
  ASSERT_TRUE(o);
  EXPECT_EQ("to[1]", string_list(*o, "to").error().field);
  EXPECT_EQ("flag", optional_bool(*o, "flag").error().field);
  EXPECT_EQ("name", optional_string(*o, "name").error().field);
  EXPECT_EQ("missing", required_string(*o, "missing").error().field);
  EXPECT_TRUE(string_list(*o, "absent")->empty());
}

}  // namespace
}  // namespace sg::http
