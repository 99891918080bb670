#include "mail/submitted_message.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace sg::mail {
namespace {

const TimePoint kNow = from_unix_millis(1'780'000'000'000);

const std::string kMessage =
    "From: Ann Example <Ann@Acme.com>\r\n"
    "To: Bob <bob@x.com>, carol@x.com\r\n"
    "Cc: dave@x.com\r\n"
    "Bcc: secret@x.com,\r\n"
    " other@x.com\r\n"
    "Subject: =?utf-8?q?H=C3=A9llo?= there\r\n"
    "X-Kept:   spacing   as written\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "a body line kept as written.\r\n";

SubmittedMessage read(const std::string& raw) {
  auto m = read_submitted_message(raw, "sg.example", kNow);
  EXPECT_TRUE(m) << m.error().message;
  return *m;
}

TEST(SubmittedMessage, ReadsFromToCcAndTheDecodedSubject) {
  auto m = read(kMessage);
  EXPECT_EQ("Ann@Acme.com", m.from);
  EXPECT_EQ((std::vector<std::string>{"bob@x.com", "carol@x.com"}), m.to);
  EXPECT_EQ((std::vector<std::string>{"dave@x.com"}), m.cc);
  EXPECT_EQ("H\xc3\xa9llo there", m.subject);
}

TEST(SubmittedMessage, BccIsRemovedAndTheRestKeptAsWritten) {
  auto m = read(kMessage);
  EXPECT_EQ(std::string::npos, m.mime.find("Bcc"));
  EXPECT_EQ(std::string::npos, m.mime.find("secret@x.com"));
  EXPECT_EQ(std::string::npos, m.mime.find("other@x.com"));
  EXPECT_NE(std::string::npos, m.mime.find("X-Kept:   spacing   as written\r\n"));
  EXPECT_NE(std::string::npos, m.mime.find("Subject: =?utf-8?q?H=C3=A9llo?= there\r\n"));
  EXPECT_TRUE(m.mime.ends_with("\r\n\r\nHello Bob,\r\na body line kept as written.\r\n"));
}

TEST(SubmittedMessage, EveryBccHeaderGoesWhateverItsCase) {
  auto m = read("BCC: one@x.com\r\nFrom: ann@acme.com\r\nbcc: two@x.com\r\nTo: bob@x.com\r\n\r\nx\r\n");
  EXPECT_EQ(std::string::npos, m.mime.find("one@x.com")) << m.mime;
  EXPECT_EQ(std::string::npos, m.mime.find("two@x.com")) << m.mime;
  EXPECT_NE(std::string::npos, m.mime.find("To: bob@x.com\r\n"));
}

TEST(SubmittedMessage, MessageIdAndDateAreAddedWhenMissing) {
  auto m = read(kMessage);
  ASSERT_TRUE(m.message_id.starts_with("<") && m.message_id.ends_with("@sg.example>")) << m.message_id;
  EXPECT_NE(std::string::npos, m.mime.find("Message-Id: " + m.message_id + "\r\n"));
  EXPECT_NE(std::string::npos, m.mime.find("Date: " )) << m.mime;
  EXPECT_EQ(m.message_id, read(m.mime).message_id) << "read again, it keeps the one added";
}

TEST(SubmittedMessage, ItsOwnMessageIdAndDateAreKept) {
  auto m = read("Message-ID: <own.1@client.example>\r\nDate: Mon, 5 Jan 2026 10:00:00 +0100\r\n" + kMessage);
  EXPECT_EQ("<own.1@client.example>", m.message_id);
  EXPECT_NE(std::string::npos, m.mime.find("Date: Mon, 5 Jan 2026 10:00:00 +0100\r\n"));
  EXPECT_EQ(m.mime.find("Date:"), m.mime.rfind("Date:")) << "one Date only";
  EXPECT_EQ(m.mime.find("Message-I"), m.mime.rfind("Message-I")) << "one Message-ID only";
}

TEST(SubmittedMessage, ANonUtf8SubjectIsStoredAsValidUtf8) {
  auto latin1 = read("From: ann@acme.com\r\nTo: bob@x.com\r\nSubject: caf\xe9 \xff\xfe\r\n\r\nx\r\n");
  EXPECT_TRUE(is_valid_utf8(latin1.subject)) << latin1.subject;
  EXPECT_TRUE(latin1.subject.starts_with("caf\xc3\xa9")) << latin1.subject;
  auto bad_word = read("From: ann@acme.com\r\nTo: bob@x.com\r\nSubject: =?utf-8?b?/w==?=\r\n\r\nx\r\n");
  EXPECT_TRUE(is_valid_utf8(bad_word.subject)) << bad_word.subject;
}

TEST(SubmittedMessage, AHeaderLineOver998OctetsIsRefusedNamingIt) {
  std::string long_subject = "Subject: " + std::string(990, 'a') + "\r\n";  // 999 octets
  auto m = read_submitted_message("From: ann@acme.com\r\n" + long_subject + "\r\nx\r\n", "sg.example", kNow);
  ASSERT_FALSE(m);
  EXPECT_EQ(errc::invalid_request, m.error().code);
  EXPECT_NE(std::string::npos, m.error().message.find("Subject")) << m.error().message;
  EXPECT_NE(std::string::npos, m.error().message.find("998")) << m.error().message;
  // The same length folded over two lines is fine.
  std::string folded = "Subject: " + std::string(500, 'a') + "\r\n " + std::string(489, 'a') + "\r\n";
  EXPECT_TRUE(read_submitted_message("From: ann@acme.com\r\n" + folded + "\r\nx\r\n", "sg.example", kNow));
}

TEST(SubmittedMessage, FromMustBeOneMailbox) {
  for (std::string headers : {"To: bob@x.com\r\n", "From: ann@acme.com, bob@x.com\r\n", "From: nobody\r\n"}) {
    auto m = read_submitted_message(headers + "Subject: x\r\n\r\nx\r\n", "sg.example", kNow);
    ASSERT_FALSE(m) << headers;
    EXPECT_EQ(errc::invalid_request, m.error().code);
    EXPECT_NE(std::string::npos, m.error().message.find("From:")) << m.error().message;
  }
}

TEST(SubmittedMessage, HeaderSectionIsTheHeadersWithoutTheBody) {
  std::string headers = header_section(kMessage);
  EXPECT_NE(std::string::npos, headers.find("X-Kept:   spacing   as written\r\n"));
  EXPECT_EQ(std::string::npos, headers.find("Hello Bob"));
}

}  // namespace
}  // namespace sg::mail
