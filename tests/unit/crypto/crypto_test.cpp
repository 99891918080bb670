#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "crypto/secret_key.h"
#include "crypto/tokens.h"
#include "crypto/unsubscribe_token.h"

namespace sg::crypto {
namespace {

TEST(SecretKey, CreatedOnceWithOwnerOnlyMode) {
  auto file = std::filesystem::temp_directory_path() / "sg-key-test" / "secret.key";
  std::filesystem::remove_all(file.parent_path());
  auto a = SecretKey::load_or_create(file);
  ASSERT_TRUE(a);
  struct stat st{};
  ASSERT_EQ(0, ::stat(file.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  auto b = SecretKey::load_or_create(file);
  ASSERT_TRUE(b);
  EXPECT_EQ("hello", *b->open(a->seal("hello")));  // same key on the second start
  std::filesystem::remove_all(file.parent_path());
}

TEST(SecretKey, SealedDataIsAuthenticated) {
  init();
  auto key = SecretKey::from_bytes({});
  std::string sealed = key.seal("secret");
  EXPECT_EQ(std::string::npos, sealed.find("secret"));
  sealed[sealed.size() - 1] ^= 1;
  EXPECT_FALSE(key.open(sealed));
  std::array<unsigned char, 32> other{};
  other[0] = 1;
  EXPECT_FALSE(SecretKey::from_bytes(other).open(key.seal("secret")));
}

TEST(Tokens, RandomHashedAndVerified) {
  auto t1 = random_token("sgt_"), t2 = random_token("sgt_");
  EXPECT_NE(t1, t2);
  EXPECT_TRUE(t1.starts_with("sgt_"));
  EXPECT_EQ(token_hash(t1), token_hash(t1));
  EXPECT_NE(token_hash(t1), token_hash(t2));
  EXPECT_EQ(64u, token_hash(t1).size());
  auto stored = hash_password("correct horse");
  EXPECT_TRUE(verify_password("correct horse", stored));
  EXPECT_FALSE(verify_password("wrong horse", stored));
  EXPECT_TRUE(stored.starts_with("$argon2id$"));
}

TEST(Base64Url, RoundTripsAndRejectsGarbage) {
  std::string bytes("\x00\xff\x10 binary", 10);
  EXPECT_EQ(bytes, base64url_decode(base64url(bytes)));
  EXPECT_EQ("", base64url_decode("!!!"));
}

TEST(Base64, DecodesPaddedStandardBase64AndRejectsTheRest) {
  EXPECT_EQ(std::string("\0ann\0pw", 7), base64_decode("AGFubgBwdw=="));
  EXPECT_EQ("", base64_decode(""));
  EXPECT_EQ("\xfb\xff", base64_decode("+/8="));
  EXPECT_FALSE(base64_decode("-_8="));       // the URL-safe alphabet is not SMTP's
  EXPECT_FALSE(base64_decode("AGFubgBwdw"));  // padding missing
  EXPECT_FALSE(base64_decode("AGFu!"));
}

TEST(UnsubscribeTokens, ScopedOpaqueAndUnforgeable) {
  init();
  UnsubscribeTokens tokens(SecretKey::from_bytes({}));
  std::string t = tokens.issue({"tm_1", "ann@x.com"});
  EXPECT_EQ(std::string::npos, t.find("ann"));
  auto scope = tokens.open(t);
  ASSERT_TRUE(scope);
  EXPECT_EQ("tm_1", scope->team_id);
  EXPECT_EQ("ann@x.com", scope->email_key);
  std::string altered = t;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.open(altered));
  EXPECT_FALSE(tokens.open("forged"));
  std::array<unsigned char, 32> other{};
  other[5] = 9;
  EXPECT_FALSE(UnsubscribeTokens(SecretKey::from_bytes(other)).open(t));
}

}  // namespace
}  // namespace sg::crypto

namespace sg::crypto {
namespace {

TEST(Tokens, SameHashComparesWholeHashes) {
  std::string h = token_hash("whs_a");
  EXPECT_TRUE(same_hash(h, token_hash("whs_a")));
  EXPECT_FALSE(same_hash(h, token_hash("whs_b")));
  EXPECT_FALSE(same_hash(h, h.substr(0, h.size() - 1)));
  EXPECT_FALSE(same_hash(h, ""));
}

}  // namespace
}  // namespace sg::crypto
