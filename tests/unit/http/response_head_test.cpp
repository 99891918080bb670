#include <gtest/gtest.h>

#include "http/response_head.h"

namespace sg::http {
namespace {

std::string head_of(const Response& res, bool keep_alive = true, unsigned version = 11) {
  std::string out;
  append_response_head(out, res, keep_alive, version, res.body.size());
  return out;
}

TEST(ResponseHead, StatesStatusTypeHeadersInOrderAndLength) {
  Response res{429, "application/json", R"({"error":{}})", {{"Retry-After", "5"}, {"Cache-Control", "no-store"}}};
  EXPECT_EQ(
      "HTTP/1.1 429 Too Many Requests\r\n"
      "Server: sendguard\r\n"
      "Content-Type: application/json\r\n"
      "Retry-After: 5\r\n"
      "Cache-Control: no-store\r\n"
      "Content-Length: 12\r\n"
      "\r\n",
      head_of(res));
}

TEST(ResponseHead, KeepsEveryCookieOfALogin) {
  Response res{200, "application/json", "{}", {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}};
  std::string head = head_of(res);
  EXPECT_NE(std::string::npos, head.find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"));
}

TEST(ResponseHead, SaysConnectionOnlyWhereTheVersionDoesNotImplyIt) {
  Response res{200, "text/plain", "ok", {}};
  EXPECT_EQ(std::string::npos, head_of(res, true, 11).find("Connection:"));
  EXPECT_NE(std::string::npos, head_of(res, false, 11).find("Connection: close\r\n"));
  EXPECT_TRUE(head_of(res, true, 10).starts_with("HTTP/1.0 200 OK\r\n"));
  EXPECT_NE(std::string::npos, head_of(res, true, 10).find("Connection: keep-alive\r\n"));
  EXPECT_EQ(std::string::npos, head_of(res, false, 10).find("Connection:"));
}

TEST(ResponseHead, StatesNoLengthWhereNoBodyMayFollow) {
  EXPECT_EQ(std::string::npos, head_of(Response{204, "application/json", "", {}}).find("Content-Length"));
  EXPECT_NE(std::string::npos, head_of(Response{200, "application/json", "", {}}).find("Content-Length: 0\r\n"));
}

TEST(ResponseHead, AHeadAnswerStatesTheLengthOfTheGet) {
  std::string out;
  append_response_head(out, Response{200, "text/csv", "", {}}, true, 11, 4096);
  EXPECT_NE(std::string::npos, out.find("Content-Length: 4096\r\n"));
}

TEST(ResponseHead, LeavesOutAFieldThatWouldSplitTheHead) {
  Response res{302, "text/html", "", {{"Location", "/x\r\nSet-Cookie: evil=1"}, {"Bad\nName", "v"}, {"Allow", "GET"}}};
  std::string head = head_of(res);
  EXPECT_EQ(std::string::npos, head.find("evil"));
  EXPECT_EQ(std::string::npos, head.find("Bad"));
  EXPECT_NE(std::string::npos, head.find("Allow: GET\r\n"));
  EXPECT_TRUE(head.starts_with("HTTP/1.1 302 Found\r\n"));
}

TEST(ResponseHead, AppendsToWhatTheBufferHolds) {
  std::string out = "kept";
  append_response_head(out, Response{200, "application/json", "{}", {}}, true, 11, 2);
  EXPECT_TRUE(out.starts_with("keptHTTP/1.1 200 OK\r\n"));
}

}  // namespace
}  // namespace sg::http
