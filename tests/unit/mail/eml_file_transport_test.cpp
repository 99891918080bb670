#include "mail/eml_file_transport.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace sg::mail {
namespace {

namespace fs = std::filesystem;

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return from_unix_millis(1795684621123); }
  void sleep_for(Millis) override {}
};

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sg-mail-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const SmtpEnvelope kEnvelope = {"ann@acme.com", {"bob@example.com"}};

TEST(EmlFileTransport, WritesExactlyTheMimeBytesUnderATimestampedName) {
  TempDir tmp;
  FixedClock clock;
  EmlFileTransport transport(tmp.path() / "outbox" / "eml", clock);
  std::string mime = "Subject: hi\r\n\r\nbody\r\n";
  DeliveryResult result = transport.deliver(kEnvelope, mime);

  ASSERT_EQ(DeliveryStatus::Delivered, result.status) << result.detail;
  std::vector<fs::path> files = entries(tmp.path() / "outbox" / "eml");
  ASSERT_EQ(1u, files.size()) << "no temp file may be left behind";
  EXPECT_EQ(files[0].string(), result.detail);
  EXPECT_TRUE(std::regex_match(files[0].filename().string(),
                               std::regex("1795684621123-[0-9a-f]{16}\\.eml")))
      << files[0];
  EXPECT_EQ(mime, read_file(files[0]));
}

TEST(EmlFileTransport, EachDeliveryGetsItsOwnFile) {
  TempDir tmp;
  FixedClock clock;
  EmlFileTransport transport(tmp.path(), clock);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(DeliveryStatus::Delivered, transport.deliver(kEnvelope, std::to_string(i)).status);
  std::vector<fs::path> files = entries(tmp.path());
  ASSERT_EQ(3u, files.size());
  std::vector<std::string> contents;
  for (const fs::path& f : files) contents.push_back(read_file(f));
  std::sort(contents.begin(), contents.end());
  EXPECT_EQ((std::vector<std::string>{"0", "1", "2"}), contents);
}

TEST(EmlFileTransport, UnwritableDirectoryIsATemporaryFailureNamingTheOsError) {
  TempDir tmp;
  fs::path blocker = tmp.path() / "not-a-dir";
  std::ofstream(blocker) << "x";
  FixedClock clock;
  EmlFileTransport transport(blocker / "eml", clock);
  DeliveryResult result = transport.deliver(kEnvelope, "mime");
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_NE(std::string::npos, result.detail.find("Not a directory")) << result.detail;
  EXPECT_EQ(1u, entries(tmp.path()).size());
}

TEST(EmlFileTransport, AMessageItsGateRefusesLeavesNoFile) {
  TempDir tmp;
  FixedClock clock;
  EmlFileTransport transport(tmp.path(), clock);
  DeliveryResult result = transport.deliver(kEnvelope, "mime", [] { return false; });
  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_EQ("abandoned before the end of the message", result.detail);
  EXPECT_TRUE(entries(tmp.path()).empty());
}

TEST(EmlFileTransport, FailedWriteLeavesNoPartialOrTempFile) {
  // Given a file size limit below the message size, write() fails part way (EFBIG)
  TempDir tmp;
  FixedClock clock;
  struct sigaction ignore{}, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGXFSZ, &ignore, &previous);
  rlimit old_limit{};
  ::getrlimit(RLIMIT_FSIZE, &old_limit);
  rlimit small = old_limit;
  small.rlim_cur = 10;
  ::setrlimit(RLIMIT_FSIZE, &small);
  DeliveryResult result = EmlFileTransport(tmp.path(), clock).deliver(kEnvelope, std::string(100, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &previous, nullptr);

  EXPECT_EQ(DeliveryStatus::TemporaryFailure, result.status);
  EXPECT_NE(std::string::npos, result.detail.find("File too large")) << result.detail;
  EXPECT_TRUE(entries(tmp.path()).empty());
}

}  // namespace
}  // namespace sg::mail
