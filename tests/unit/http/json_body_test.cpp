// Reading request bodies: the null rule, invalid UTF-8, nesting depth, and field errors.
#include "http/json_body.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sg::http {
namespace {

Request with_body(std::string body) {
  Request r;
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

boost::json::object object(const std::string& json) { return boost::json::parse(json).as_object(); }

void expect_invalid(const Error& e, const std::string& field) {
  EXPECT_EQ("invalid_request", e.code);
  EXPECT_EQ(field, e.field);
  EXPECT_FALSE(e.message.empty());
}

TEST(JsonBody, ReadsAnObject) {
  auto o = parse_object(with_body(R"({"name": "Ann \u00e9", "n": 1})"));
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ("Ann \xc3\xa9", std::string(o->at("name").as_string()));
}

TEST(JsonBody, RefusesInvalidUtf8AnywhereInTheBody) {
  // A lone continuation byte, an overlong '/', a UTF-16 surrogate, a truncated sequence,
  // a byte that never occurs in UTF-8, and a code point past U+10FFFF.
  for (std::string bad : {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xff", "\xf4\x90\x80\x80"}) {
    auto o = parse_object(with_body("{\"subject\": \"a" + bad + "b\"}"));
    ASSERT_FALSE(o) << "accepted bytes of " << bad.size();
    expect_invalid(o.error(), "body");
    auto key = parse_object(with_body("{\"a" + bad + "\": 1}"));
    ASSERT_FALSE(key);
    expect_invalid(key.error(), "body");
  }
}

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonBody, RefusesNestingDeeperThanTheLimitNamingIt) {
  auto ok = parse_object(with_body("{\"a\": " + nested(kMaxJsonDepth - 1) + "}"));
  ASSERT_TRUE(ok) << ok.error().message;

  for (int depth : {kMaxJsonDepth, 100000}) {
    auto deep = parse_object(with_body("{\"a\": " + nested(depth) + "}"));
    ASSERT_FALSE(deep) << depth;
    expect_invalid(deep.error(), "body");
    EXPECT_NE(std::string::npos, deep.error().message.find("deeper than 32")) << deep.error().message;
  }
}

TEST(JsonBody, RefusesAnythingButAnObject) {
  for (const char* body : {"", "[]", "\"x\"", "null", "{\"a\": 1", "{} {}"}) {
    auto o = parse_object(with_body(body));
    ASSERT_FALSE(o) << body;
    expect_invalid(o.error(), "body");
  }
}

TEST(JsonBody, NullIsRefusedNamingTheFieldUnlessTheReaderIsNullable) {
  auto o = object(R"({"s": null, "b": null, "l": null})");
  auto s = optional_string(o, "s");
  ASSERT_FALSE(s);
  expect_invalid(s.error(), "s");
  auto r = required_string(o, "s");
  ASSERT_FALSE(r);
  expect_invalid(r.error(), "s");
  auto b = optional_bool(o, "b");
  ASSERT_FALSE(b);
  expect_invalid(b.error(), "b");
  auto l = string_list(o, "l");
  ASSERT_FALSE(l);
  expect_invalid(l.error(), "l");
  std::string target = "kept";
  Status st = read_strings(o, {{"s", &target}});
  ASSERT_FALSE(st);
  expect_invalid(st.error(), "s");

  auto n = nullable_string(o, "s");
  ASSERT_TRUE(n);
  EXPECT_EQ(std::nullopt, *n);
}

TEST(JsonBody, AbsentOptionalFieldsTakeTheirDefaults) {
  auto o = object("{}");
  EXPECT_EQ(std::nullopt, *optional_string(o, "s"));
  EXPECT_EQ(std::nullopt, *nullable_string(o, "s"));
  EXPECT_EQ(std::nullopt, *optional_bool(o, "b"));
  EXPECT_TRUE(string_list(o, "l")->empty());
  EXPECT_EQ(std::nullopt, *optional_source(o));
  std::string target = "old";
  ASSERT_TRUE(read_strings(o, {{"s", &target}}));
  EXPECT_EQ("", target);
  auto r = required_string(o, "s");
  ASSERT_FALSE(r);
  expect_invalid(r.error(), "s");
}

TEST(JsonBody, WrongTypesNameTheFieldOrTheElement) {
  auto o = object(R"({"s": 5, "b": "yes", "l": ["a", 7], "m": "a", "src": 1})");
  expect_invalid(optional_string(o, "s").error(), "s");
  expect_invalid(nullable_string(o, "s").error(), "s");
  expect_invalid(optional_bool(o, "b").error(), "b");
  expect_invalid(string_list(o, "l").error(), "l[1]");
  expect_invalid(string_list(o, "m").error(), "m");
}

TEST(JsonBody, AnEnumFieldMustBeOneOfItsValues) {
  auto gmail = optional_source(object(R"({"source": "gmail"})"));
  ASSERT_TRUE(gmail);
  EXPECT_EQ(store::Source::Gmail, **gmail);
  for (const char* json : {R"({"source": "fax"})", R"({"source": null})", R"({"source": 3})"}) {
    auto bad = optional_source(object(json));
    ASSERT_FALSE(bad) << json;
    expect_invalid(bad.error(), "source");
  }
}

}  // namespace
}  // namespace sg::http
