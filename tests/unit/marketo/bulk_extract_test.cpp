// Bulk Lead Extract through the client: the requests an export takes (create, enqueue,
// status, file, under /bulk beside /rest), reading the job's replies and the CSV file, and
// Marketo's refusals.
#include <gtest/gtest.h>

#include "client_harness.h"
#include "marketo/bulk_extract.h"

namespace sg::marketo {
namespace {

using namespace test;  // the doubles and fixtures of this folder

const char kCreatePath[] = "/bulk/v1/leads/export/create.json";
const char kJobPath[] = "/bulk/v1/leads/export/ex-1/";
const TimePoint kEnd = from_unix_millis(1764144000000);  // 2025-11-26T08:00:00Z

std::string job_json(const std::string& status, const std::string& extra = "") {
  return success_json(R"({"exportId":"ex-1","format":"CSV","status":")" + status +
                      R"(","createdAt":"2025-11-26T08:00:00Z")" + extra + "}");
}

TEST(MarketoBulkExtract, StartingAnExportCreatesAJobOfTheWindowAndEnqueuesIt) {
  ClientHarness h;
  h.http.script(kCreatePath, {ok(job_json("Created"))});
  h.http.script("ex-1/enqueue.json", {ok(job_json("Queued", R"(,"queuedAt":"2025-11-26T08:00:01Z")"))});
  auto job = h.client.start_lead_export(credentials(), {kEnd - kMaxExportWindow, kEnd});
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ("ex-1", job->id);
  EXPECT_EQ(ExportStatus::queued, job->status);

  const auto create = h.http.requests_to(kCreatePath);
  ASSERT_EQ(1u, create.size());
  EXPECT_EQ("POST", create[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/bulk/v1/leads/export/create.json", create[0].url);
  EXPECT_EQ("application/json", header(create[0], "Content-Type"));
  EXPECT_EQ("Bearer tok-1", header(create[0], "Authorization"));
  EXPECT_EQ(R"({"fields":["email","unsubscribed"],"format":"CSV","filter":{"createdAt":)"
            R"({"startAt":"2025-10-26T08:00:00Z","endAt":"2025-11-26T08:00:00Z"}}})",
            create[0].body);
  const auto enqueue = h.http.requests_to("enqueue.json");
  ASSERT_EQ(1u, enqueue.size());
  EXPECT_EQ("POST", enqueue[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/bulk/v1/leads/export/ex-1/enqueue.json", enqueue[0].url);
  EXPECT_EQ(2u, h.calls("bulk_export", "success"));
}

TEST(MarketoBulkExtract, AWindowLongerThanThirtyOneDaysIsRefusedBeforeAnyCall) {
  ClientHarness h;
  auto job = h.client.start_lead_export(credentials(), {kEnd - kMaxExportWindow - Millis(1000), kEnd});
  ASSERT_FALSE(job.ok());
  EXPECT_EQ("marketo_error", job.error().code);
  EXPECT_TRUE(h.http.requests_to("/bulk/").empty());
}

TEST(MarketoBulkExtract, MarketosRefusalNamesItsCode) {
  ClientHarness h;
  h.http.script(kCreatePath, {ok(error_json("1029", "Export daily quota exceeded"))});
  auto job = h.client.start_lead_export(credentials(), {kEnd - Millis(1000), kEnd});
  ASSERT_FALSE(job.ok());
  EXPECT_EQ("marketo_error", job.error().code);
  EXPECT_NE(std::string::npos, job.error().message.find("1029")) << job.error().message;
  EXPECT_TRUE(h.http.requests_to("enqueue.json").empty());
}

TEST(MarketoBulkExtract, StatusReadsTheJobsStateAndItsFigures) {
  ClientHarness h;
  h.http.script(std::string(kJobPath) + "status.json",
                {ok(job_json("Completed", R"(,"numberOfRecords":3,"fileSize":72,"fileChecksum":"sha256:ab")"))});
  auto job = h.client.lead_export_status(credentials(), "ex-1");
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(ExportStatus::completed, job->status);
  EXPECT_EQ(3, job->records);
  EXPECT_EQ(72, job->file_bytes);
  const auto requests = h.http.requests_to("status.json");
  EXPECT_EQ("GET", requests[0].method);
  EXPECT_EQ("https://123-ABC-456.mktorest.com/bulk/v1/leads/export/ex-1/status.json", requests[0].url);
}

TEST(MarketoBulkExtract, AJobWithAnUnknownStatusOrNoIdIsUnreadable) {
  boost::json::array unknown{boost::json::object{{"exportId", "ex-1"}, {"status", "Paused"}}};
  EXPECT_EQ("invalid_response", read_export_job(unknown).error().code);
  boost::json::array no_id{boost::json::object{{"status", "Queued"}}};
  EXPECT_EQ("invalid_response", read_export_job(no_id).error().code);
  EXPECT_EQ("invalid_response", read_export_job(boost::json::array{}).error().code);
}

TEST(MarketoBulkExtract, TheFileGivesTheUnsubscribedAddressesLowerCased) {
  ClientHarness h;
  h.http.script(std::string(kJobPath) + "file.json",
                {ok("email,unsubscribed\n"
                    "Ann@X.com,true\n"
                    "bob@y.com,false\n"
                    "\"quoted,\"\"odd\"\"@z.com\",true\n"
                    ",true\n"
                    "cy@z.com,\n"
                    "dee@w.com,1\n")});
  auto rows = h.client.lead_export_rows(credentials(), "ex-1");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(6, rows->rows);
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "quoted,\"odd\"@z.com", "dee@w.com"}), rows->unsubscribed);
  EXPECT_EQ("GET", h.http.requests_to("file.json")[0].method);
}

TEST(MarketoBulkExtract, ColumnsAreFoundByTheHeaderNotByPosition) {
  auto rows = read_export_file("unsubscribed,email\r\ntrue,ann@x.com\r\n");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((std::vector<std::string>{"ann@x.com"}), rows->unsubscribed);
}

TEST(MarketoBulkExtract, AFileWithoutTheColumnsOrWithShortRowsIsUnreadable) {
  EXPECT_EQ("invalid_response", read_export_file("").error().code);
  EXPECT_EQ("invalid_response", read_export_file("email\nann@x.com\n").error().code);
  EXPECT_EQ("invalid_response", read_export_file("email,unsubscribed\nann@x.com\n").error().code);
}

TEST(MarketoBulkExtract, AnEnvelopeWhereTheFileWasDueIsAnError) {
  ClientHarness h;
  h.http.script(std::string(kJobPath) + "file.json", {ok(error_json("1003", "Export job is not completed"))});
  auto rows = h.client.lead_export_rows(credentials(), "ex-1");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ("marketo_invalid_data", rows.error().code);
  EXPECT_EQ(1u, h.calls("bulk_export", "1003"));
}

TEST(MarketoBulkExtract, AGatewayErrorOnTheFileIsRetriedLikeAnyCall) {
  ClientHarness h;
  h.http.script(std::string(kJobPath) + "file.json",
                {http(502, "<html>Bad Gateway</html>"), ok("email,unsubscribed\nann@x.com,true\n")});
  auto rows = h.client.lead_export_rows(credentials(), "ex-1");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ((std::vector<std::string>{"ann@x.com"}), rows->unsubscribed);
  EXPECT_EQ(1u, h.calls("bulk_export", "http_502"));
  EXPECT_EQ(1u, h.calls("bulk_export", "success"));
}

TEST(MarketoBulkExtract, AnEmptyExportIsAHeaderAlone) {
  auto rows = read_export_file("email,unsubscribed\n");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(0, rows->rows);
  EXPECT_TRUE(rows->unsubscribed.empty());
}

}  // namespace
}  // namespace sg::marketo
