#include "marketo/endpoint.h"

#include <gtest/gtest.h>

#include "net/url_encode.h"

namespace sg::marketo {
namespace {

TEST(UrlEncode, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ("Ann.O-Neil_x~1", net::url_encode("Ann.O-Neil_x~1"));
  EXPECT_EQ("a%2Bb%40x.com", net::url_encode("a+b@x.com"));
  EXPECT_EQ("s3cret%26%3D%20%2F%2C%25", net::url_encode("s3cret&= /,%"));
  EXPECT_EQ("%C3%A9", net::url_encode("\xC3\xA9"));
  EXPECT_EQ("", net::url_encode(""));
}

TEST(Endpoint, EndpointJoinsPathsWithoutDoubleSlashes) {
  for (const char* text : {"https://123-ABC-456.mktorest.com/rest", "https://123-ABC-456.mktorest.com/rest/",
                           "https://123-ABC-456.mktorest.com/rest//", " https://123-ABC-456.mktorest.com//rest/ "}) {
    Result<Endpoint> endpoint = parse_endpoint(text);
    ASSERT_TRUE(endpoint.ok()) << text;
    EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/leads.json", endpoint->url("v1/leads.json")) << text;
    EXPECT_EQ("https://123-ABC-456.mktorest.com/rest/v1/leads.json", endpoint->url("/v1/leads.json")) << text;
  }
}

TEST(Endpoint, EndpointWithoutPathJoinsAtTheRoot) {
  Result<Endpoint> endpoint = parse_endpoint("http://127.0.0.1:8089/");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ("http://127.0.0.1:8089/oauth/token", endpoint->url("oauth/token"));
  EXPECT_EQ("127.0.0.1:8089", endpoint->instance);
}

TEST(Endpoint, EndpointInstanceIsTheLowerCasedHost) {
  Result<Endpoint> endpoint = parse_endpoint("HTTPS://123-ABC-456.MKTOREST.com/rest");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ("123-abc-456.mktorest.com", endpoint->instance);
  EXPECT_EQ("https://123-ABC-456.MKTOREST.com", endpoint->origin);
}

TEST(Endpoint, EndpointRejectsWhatIsNotAnHttpUrl) {
  for (const char* text : {"", "123-ABC-456.mktorest.com/rest", "ftp://x.com/rest", "https:///rest", "not a url"}) {
    Result<Endpoint> endpoint = parse_endpoint(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_EQ("marketo_error", endpoint.error().code);
  }
}

}  // namespace
}  // namespace sg::marketo
