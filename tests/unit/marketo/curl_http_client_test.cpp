#include "net/curl_http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "loopback_server.h"

namespace sg::net {
namespace {

using sg::marketo::test::LoopbackServer;

// The test servers listen on loopback, which production refuses.
CurlOptions loopback_allowed() {
  CurlOptions options;
  options.addresses.allow_loopback = true;
  return options;
}

TEST(CurlHttpClient, CurlGetReturnsStatusAndBodyAndSendsHeaders) {
  LoopbackServer server([](const std::string&) { return LoopbackServer::reply(200, R"({"success":true})"); });
  CurlHttpClient client(loopback_allowed());
  Request request;
  request.url = server.url("/rest/v1/leads.json?filterType=email");
  request.headers = {{"Authorization", "Bearer tok-1"}};
  Result<Response> response = client.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(200, response->status);
  EXPECT_EQ(R"({"success":true})", response->body);
  const auto received = server.requests();
  ASSERT_EQ(1u, received.size());
  EXPECT_EQ(0u, received[0].find("GET /rest/v1/leads.json?filterType=email HTTP/1.1\r\n"));
  EXPECT_NE(std::string::npos, received[0].find("\r\nAuthorization: Bearer tok-1\r\n"));
}

TEST(CurlHttpClient, CurlPostSendsTheBodyAsIs) {
  LoopbackServer server([](const std::string&) { return LoopbackServer::reply(200, "{}"); });
  CurlHttpClient client(loopback_allowed());
  Request request;
  request.method = "POST";
  request.url = server.url("/rest/v1/leads.json?_method=GET");
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = std::string(9000, 'a');  // large enough that curl would otherwise ask for 100-continue
  const auto before = std::chrono::steady_clock::now();
  Result<Response> response = client.send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(900));
  const std::string received = server.requests().at(0);
  EXPECT_EQ(0u, received.find("POST /rest/v1/leads.json?_method=GET HTTP/1.1\r\n"));
  EXPECT_NE(std::string::npos, received.find("Content-Type: application/x-www-form-urlencoded\r\n"));
  EXPECT_EQ(request.body, received.substr(received.find("\r\n\r\n") + 4));
}

TEST(CurlHttpClient, CurlReturnsErrorStatusesAsResponses) {
  LoopbackServer server([](const std::string&) { return LoopbackServer::reply(502, "Bad Gateway"); });
  CurlHttpClient client(loopback_allowed());
  Result<Response> response = client.send(Request{"GET", server.url("/x"), {}, "", Millis{5000}});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(502, response->status);
  EXPECT_EQ("Bad Gateway", response->body);
}

TEST(CurlHttpClient, CurlReportsAnEmptyReplyAsATransportError) {
  LoopbackServer server([](const std::string&) { return std::nullopt; });
  CurlHttpClient client(loopback_allowed());
  Result<Response> response = client.send(Request{"GET", server.url("/x"), {}, "", Millis{5000}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ("transport", response.error().code);
  EXPECT_FALSE(response.error().message.empty());
}

TEST(CurlHttpClient, CurlReportsARefusedConnectionAsATransportError) {
  std::string url;
  {
    LoopbackServer closed([](const std::string&) { return std::nullopt; });
    url = closed.url("/x");
  }
  CurlHttpClient client(loopback_allowed());
  Result<Response> response = client.send(Request{"GET", url, {}, "", Millis{5000}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ("transport", response.error().code);
}

TEST(CurlHttpClient, CurlHonoursTheRequestTimeout) {
  LoopbackServer server([](const std::string&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    return LoopbackServer::reply(200, "late");
  });
  CurlHttpClient client(loopback_allowed());
  const auto before = std::chrono::steady_clock::now();
  Result<Response> response = client.send(Request{"GET", server.url("/slow"), {}, "", Millis{100}});
  const auto took = std::chrono::steady_clock::now() - before;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ("transport", response.error().code);
  EXPECT_LT(took, std::chrono::milliseconds(500));
}

TEST(CurlHttpClient, CurlLimitsTheResponseSize) {
  LoopbackServer server([](const std::string&) { return LoopbackServer::reply(200, std::string(5000, 'x')); });
  CurlOptions options = loopback_allowed();
  options.max_response_bytes = 1000;
  CurlHttpClient client(options);
  Result<Response> response = client.send(Request{"GET", server.url("/big"), {}, "", Millis{5000}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ("transport", response.error().code);
}

TEST(CurlHttpClient, CurlServesManyThreadsAtOnce) {
  LoopbackServer server([](const std::string& request) {
    return LoopbackServer::reply(200, request.substr(4, request.find(' ', 4) - 4));
  });
  CurlHttpClient client(loopback_allowed());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/" + std::to_string(i);
        Result<Response> response = client.send(Request{"GET", server.url(path), {}, "", Millis{5000}});
        if (response.ok() && response->status == 200 && response->body == path) ++good;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(30, good.load());
}

TEST(CurlHttpClient, CurlRefusesLoopbackUnlessAllowedWithoutConnecting) {
  LoopbackServer server([](const std::string&) { return LoopbackServer::reply(200, "{}"); });
  CurlHttpClient client;
  const std::string by_address = server.url("/x");
  const std::string by_name = "http://localhost" + by_address.substr(std::string("http://127.0.0.1").size());
  for (const std::string& url : {by_address, by_name}) {  // a name is judged by what it resolves to
    Result<Response> response = client.send(Request{"GET", url, {}, "", Millis{5000}});
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ("address_refused", response.error().code) << url;
    EXPECT_NE(std::string::npos, response.error().message.find("loopback")) << response.error().message;
  }
  EXPECT_TRUE(server.requests().empty());
}

TEST(CurlHttpClient, CurlRefusesPrivateLinkLocalAndMetadataAddressesBeforeAnyConnection) {
  // Refused in the socket callback, before a socket exists: nothing leaves this machine.
  CurlHttpClient client;
  for (const char* url : {"https://10.0.0.1/rest", "http://169.254.169.254/latest/meta-data/",
                          "https://192.168.1.1/", "https://172.16.5.4/", "https://[fe80::1]/",
                          "https://[fd00:ec2::254]/", "https://[::ffff:10.0.0.1]/", "https://0.0.0.0/"}) {
    Result<Response> response = client.send(Request{"GET", url, {}, "", Millis{5000}});
    ASSERT_FALSE(response.ok()) << url;
    EXPECT_EQ("address_refused", response.error().code) << url << ": " << response.error().message;
  }
}

}  // namespace
}  // namespace sg::net
