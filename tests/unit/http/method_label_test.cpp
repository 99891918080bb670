#include <gtest/gtest.h>

#include "http/method_label.h"

namespace sg::http {
namespace {

TEST(MethodLabel, KeepsStandardMethods) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) EXPECT_EQ(m, method_label(m));
}

TEST(MethodLabel, FoldsEverythingElseIntoOther) {
  for (const char* m : {"get", "PROPFIND", "BREW", "", "GET ", "X-RANDOM-1234"}) EXPECT_EQ("other", method_label(m));
}

}  // namespace
}  // namespace sg::http
