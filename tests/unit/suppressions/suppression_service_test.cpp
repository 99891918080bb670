// SuppressionService over a real SQLite store, with a fake source standing in for
// Marketo: who may change the list, adding and removing entries (with Marketo's
// unsubscribe settling removals), paging and search, CSV import and export.
#include "suppressions/suppression_service.h"

#include <sstream>

#include "sending/sending_fixture.h"

namespace sg::suppressions::test {
namespace {

class SuppressionServiceTest : public sending::test::SendingTest {
 protected:
  void connect_marketo() {
    store->connections().put(caller.team_id, {"https://123-ABC-456.mktorest.com/rest",
                                              "https://123-ABC-456.mktorest.com/identity", "client-1", "s3cret",
                                              clock.now()});
  }
  // An entry put on the list directly, as a one-click unsubscribe would.
  void listed(const std::string& email, const std::string& source = "one_click", const std::string& reason = "") {
    ASSERT_TRUE(store->suppressions().add(caller.team_id, email, source, reason, std::nullopt, clock.now()));
  }
  std::optional<store::Suppression> entry(const std::string& key) {
    return store->suppressions().find(caller.team_id, key);
  }
  std::vector<std::string> keys_listed() {
    std::vector<std::string> out;
    for (const auto& s : store->suppressions().list(caller.team_id, "", "", 10000)) out.push_back(s.email_key);
    return out;
  }
  std::vector<store::AuditEntry> audit_log() { return store->audit().recent(caller.team_id, 100); }

  // An active enrollment of `email` in a campaign of `team_id`; returns its id.
  std::string enrolled(const std::string& email, const std::string& team_id = "") {
    std::string team = team_id.empty() ? caller.team_id : team_id;
    std::string campaign_id = "cp_" + std::to_string(++campaigns_);
    store->campaigns().create({campaign_id, team, "us_1", "ann@acme.com", "Outreach", {{0, "Hi", "Hello", ""}},
                               clock.now()});
    std::string id = "en_" + std::to_string(campaigns_);
    store::Enrollment e;
    e.id = id;
    e.campaign_id = campaign_id;
    e.team_id = team;
    e.email = email;
    e.vars_json = "{}";
    e.next_due_at = clock.now() + std::chrono::hours(1);
    e.created_at = clock.now();
    store->campaigns().add_enrollment(e);
    return id;
  }
  store::Enrollment enrollment(const std::string& id) {
    auto e = store->campaigns().find_enrollment(id);
    EXPECT_TRUE(e) << id;
    return e.value_or(store::Enrollment{});
  }

  Result<ImportReport> import(const std::string& csv, const std::function<void(int64_t)>& progress = {}) {
    std::istringstream in(csv);
    return service.import_csv(caller, in, progress);
  }
  std::string exported() {
    std::ostringstream out;
    Status s = service.export_csv(caller, out);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return out.str();
  }

  Caller member{"us_2", caller.team_id, "bob@acme.com", false};
  SuppressionService service{
      {store->suppressions(), store->campaigns(), store->connections(), store->audit(), *store}, marketo, clock};
  int campaigns_ = 0;
};

using Invalid = std::vector<InvalidRow>;
const std::string kNotAnAddress = "not an email address";

// --- who may do what ---

TEST_F(SuppressionServiceTest, OnlyAnAdminMayChangeOrExportTheList) {
  listed("kept@x.com");
  auto added = service.add(member, "new@x.com", "");
  ASSERT_FALSE(added);
  EXPECT_EQ("forbidden", added.error().code);

  Status removed = service.remove(member, "kept@x.com");
  ASSERT_FALSE(removed);
  EXPECT_EQ("forbidden", removed.error().code);

  std::istringstream csv("email\nimported@x.com\n");
  auto report = service.import_csv(member, csv);
  ASSERT_FALSE(report);
  EXPECT_EQ("forbidden", report.error().code);

  std::ostringstream out;
  Status s = service.export_csv(member, out);
  ASSERT_FALSE(s);
  EXPECT_EQ("forbidden", s.error().code);
  EXPECT_EQ("", out.str());

  EXPECT_EQ(std::vector<std::string>{"kept@x.com"}, keys_listed());
  EXPECT_TRUE(audit_log().empty());
  EXPECT_TRUE(marketo.asked.empty());
}

TEST_F(SuppressionServiceTest, AnyMemberMayReadTheList) {
  listed("ann@x.com");
  auto page = service.list(member, "", "", std::nullopt);
  ASSERT_TRUE(page);
  ASSERT_EQ(1u, page->items.size());
  EXPECT_EQ("ann@x.com", page->items[0].email);
}

// --- add ---

TEST_F(SuppressionServiceTest, AddListsANewAddressAsManualWithWhoAndWhy) {
  auto added = service.add(caller, "Ann@X.com", "asked on the phone");
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_TRUE(added->second);
  const store::Suppression& s = added->first;
  EXPECT_EQ("Ann@X.com", s.email);
  EXPECT_EQ("ann@x.com", s.email_key);
  EXPECT_EQ("manual", s.source);
  EXPECT_EQ("asked on the phone", s.reason);
  EXPECT_EQ(std::optional<std::string>("ann@acme.com"), s.created_by);
  EXPECT_EQ(clock.now(), s.created_at);
  EXPECT_EQ(std::vector<std::string>{"ann@x.com"}, keys_listed());
}

TEST_F(SuppressionServiceTest, AddWritesOneAuditEntry) {
  ASSERT_TRUE(service.add(caller, "Ann@X.com", "asked"));
  auto log = audit_log();
  ASSERT_EQ(1u, log.size());
  EXPECT_EQ("suppressions.added", log[0].action);
  EXPECT_EQ(std::optional<std::string>("us_1"), log[0].actor_user_id);
  EXPECT_EQ(std::optional<std::string>("ann@acme.com"), log[0].actor_email);
  EXPECT_EQ(std::nullopt, log[0].before_json);
  EXPECT_EQ(std::optional<std::string>(R"({"email":"Ann@X.com","reason":"asked"})"), log[0].after_json);
  EXPECT_EQ(clock.now(), log[0].at);
}

TEST_F(SuppressionServiceTest, AddOfAListedAddressKeepsTheEntryAsItWas) {
  // Given ann@x.com listed by a one-click unsubscribe, then adding it again (in another
  // spelling, with a reason) answers the existing entry, unchanged, as not new.
  listed("ann@x.com", "one_click", "");
  TimePoint then = clock.now();
  clock.advance(Millis(60000));
  auto added = service.add(caller, "ANN@x.com", "manual reason");
  ASSERT_TRUE(added);
  EXPECT_FALSE(added->second);
  EXPECT_EQ("ann@x.com", added->first.email);
  EXPECT_EQ("one_click", added->first.source);
  EXPECT_EQ("", added->first.reason);
  EXPECT_EQ(std::nullopt, added->first.created_by);
  EXPECT_EQ(then, added->first.created_at);
  EXPECT_TRUE(audit_log().empty()) << "nothing changed, nothing to audit";
}

TEST_F(SuppressionServiceTest, AddStopsTheAddressesActiveEnrollmentsOfTheTeamOnly) {
  std::string ann = enrolled("ann@x.com");
  std::string ann_again = enrolled("Ann@X.com");
  std::string bob = enrolled("bob@x.com");
  auto other_team = store->teams().create("Initech", clock.now());
  std::string ann_elsewhere = enrolled("ann@x.com", other_team.id);

  ASSERT_TRUE(service.add(caller, "ann@X.com", ""));

  for (const auto& id : {ann, ann_again}) {
    store::Enrollment e = enrollment(id);
    EXPECT_EQ(store::EnrollmentState::Stopped, e.state) << id;
    EXPECT_EQ("suppressed", e.reason) << id;
    EXPECT_EQ(std::nullopt, e.next_due_at) << id;
  }
  EXPECT_EQ(store::EnrollmentState::Active, enrollment(bob).state);
  EXPECT_EQ(store::EnrollmentState::Active, enrollment(ann_elsewhere).state);
}

TEST_F(SuppressionServiceTest, AddOfAListedAddressLeavesEnrollmentsAlone) {
  listed("ann@x.com");
  std::string ann = enrolled("ann@x.com");  // enrolled after listing (the gate refuses it later)
  ASSERT_TRUE(service.add(caller, "ann@x.com", ""));
  EXPECT_EQ(store::EnrollmentState::Active, enrollment(ann).state);
}

TEST_F(SuppressionServiceTest, AddRefusesAnInvalidAddressOrAnOverlongReason) {
  auto bad = service.add(caller, "not an address", "");
  ASSERT_FALSE(bad);
  EXPECT_EQ("invalid_request", bad.error().code);
  EXPECT_EQ("email", bad.error().field);

  auto long_reason = service.add(caller, "ann@x.com", std::string(501, 'r'));
  ASSERT_FALSE(long_reason);
  EXPECT_EQ("invalid_request", long_reason.error().code);
  EXPECT_EQ("reason", long_reason.error().field);
  EXPECT_TRUE(keys_listed().empty());

  auto longest = service.add(caller, "ann@x.com", std::string(500, 'r'));
  ASSERT_TRUE(longest);
  EXPECT_EQ(500u, longest->first.reason.size());
}

// --- remove ---

TEST_F(SuppressionServiceTest, RemoveOfAnUnlistedAddressIsNotFound) {
  Status s = service.remove(caller, "nobody@x.com");
  ASSERT_FALSE(s);
  EXPECT_EQ("not_found", s.error().code);
  EXPECT_TRUE(audit_log().empty());
}

TEST_F(SuppressionServiceTest, RemoveWithoutAMarketoConnectionDoesNotAskMarketo) {
  listed("Ann@X.com", "manual", "asked");
  Status s = service.remove(caller, "ann@x.COM");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(keys_listed().empty());
  EXPECT_TRUE(marketo.asked.empty());

  auto log = audit_log();
  ASSERT_EQ(1u, log.size());
  EXPECT_EQ("suppressions.removed", log[0].action);
  EXPECT_EQ(std::optional<std::string>("ann@acme.com"), log[0].actor_email);
  EXPECT_EQ(std::optional<std::string>(R"({"email":"Ann@X.com","source":"manual","reason":"asked"})"),
            log[0].after_json);
}

TEST_F(SuppressionServiceTest, RemoveIsRefusedWhileMarketoReportsTheAddressUnsubscribed) {
  connect_marketo();
  listed("Ann@X.com");
  marketo.unsubscribed = {"ann@x.com"};
  Status s = service.remove(caller, "ann@x.com");
  ASSERT_FALSE(s);
  EXPECT_EQ("marketo_unsubscribed", s.error().code);
  EXPECT_EQ(std::vector<std::string>{"Ann@X.com"}, s.error().recipients);
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"ann@x.com"}}), marketo.asked);
  EXPECT_EQ(std::vector<std::string>{caller.team_id}, marketo.teams);
  EXPECT_TRUE(entry("ann@x.com"));
  EXPECT_TRUE(audit_log().empty());
}

TEST_F(SuppressionServiceTest, RemoveIsRefusedWhenMarketoCannotAnswer) {
  connect_marketo();
  listed("ann@x.com");
  marketo.failing = true;
  Status s = service.remove(caller, "ann@x.com");
  ASSERT_FALSE(s);
  EXPECT_EQ("unsubscribe_check_unavailable", s.error().code);
  EXPECT_TRUE(entry("ann@x.com"));
  EXPECT_TRUE(audit_log().empty());
}

TEST_F(SuppressionServiceTest, RemoveGoesAheadWhenMarketoReportsTheAddressSubscribed) {
  connect_marketo();
  listed("ann@x.com");
  marketo.unsubscribed = {"bob@x.com"};
  Status s = service.remove(caller, "ann@x.com");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"ann@x.com"}}), marketo.asked);
  EXPECT_FALSE(entry("ann@x.com"));
  ASSERT_EQ(1u, audit_log().size());
}

// --- list ---

TEST_F(SuppressionServiceTest, ListPagesInAddressOrderThroughItsCursor) {
  for (const char* e : {"dan@x.com", "Bob@x.com", "eve@x.com", "ann@x.com", "cy@x.com"}) listed(e);
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = service.list(caller, "", cursor, 2);
    ASSERT_TRUE(page) << page.error().message;
    sizes.push_back(page->items.size());
    for (const auto& s : page->items) seen.push_back(s.email);
    if (!page->next_cursor) break;
    cursor = *page->next_cursor;
  }
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "Bob@x.com", "cy@x.com", "dan@x.com", "eve@x.com"}), seen);
  EXPECT_EQ((std::vector<size_t>{2, 2, 1}), sizes);
}

TEST_F(SuppressionServiceTest, ListOfExactlyOnePageHasNoCursor) {
  listed("ann@x.com");
  listed("bob@x.com");
  auto page = service.list(caller, "", "", 2);
  ASSERT_TRUE(page);
  EXPECT_EQ(2u, page->items.size());
  EXPECT_EQ(std::nullopt, page->next_cursor);
}

TEST_F(SuppressionServiceTest, ListSearchMatchesPartOfTheAddressIgnoringCase) {
  for (const char* e : {"ann@initech.com", "bob@acme.com", "Cy@Initech.com", "init_ech@x.com"}) listed(e);
  auto page = service.list(caller, "INITECH", "", std::nullopt);
  ASSERT_TRUE(page);
  std::vector<std::string> found;
  for (const auto& s : page->items) found.push_back(s.email);
  EXPECT_EQ((std::vector<std::string>{"ann@initech.com", "Cy@Initech.com"}), found);

  auto underscore = service.list(caller, "t_e", "", std::nullopt);
  ASSERT_TRUE(underscore);
  ASSERT_EQ(1u, underscore->items.size()) << "'_' is not a wildcard";
  EXPECT_EQ("init_ech@x.com", underscore->items[0].email);
}

TEST_F(SuppressionServiceTest, ListSearchPagesThroughItsCursorToo) {
  for (const char* e : {"a1@acme.com", "a2@other.com", "a3@acme.com", "a4@acme.com"}) listed(e);
  auto first = service.list(caller, "acme", "", 2);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->next_cursor);
  auto second = service.list(caller, "acme", *first->next_cursor, 2);
  ASSERT_TRUE(second);
  ASSERT_EQ(1u, second->items.size());
  EXPECT_EQ("a4@acme.com", second->items[0].email);
  EXPECT_EQ(std::nullopt, second->next_cursor);
}

TEST_F(SuppressionServiceTest, ListShowsOnlyTheCallersTeam) {
  auto other = store->teams().create("Initech", clock.now());
  ASSERT_TRUE(store->suppressions().add(other.id, "theirs@x.com", "manual", "", std::nullopt, clock.now()));
  listed("ours@x.com");
  auto page = service.list(caller, "", "", std::nullopt);
  ASSERT_TRUE(page);
  ASSERT_EQ(1u, page->items.size());
  EXPECT_EQ("ours@x.com", page->items[0].email);
}

TEST_F(SuppressionServiceTest, ListDefaultsToFiftyAndRefusesLimitsOutsideOneTo500) {
  for (int i = 0; i < 51; ++i) listed("p" + std::to_string(100 + i) + "@x.com");
  auto page = service.list(caller, "", "", std::nullopt);
  ASSERT_TRUE(page);
  EXPECT_EQ(50u, page->items.size());
  EXPECT_TRUE(page->next_cursor);

  // 0 is not "the default": GET /emails refuses it too.
  for (int limit : {-1, 0, 501}) {
    auto bad = service.list(caller, "", "", limit);
    ASSERT_FALSE(bad) << limit;
    EXPECT_EQ("invalid_request", bad.error().code);
    EXPECT_EQ("limit", bad.error().field);
  }
  EXPECT_TRUE(service.list(caller, "", "", 500));
  EXPECT_TRUE(service.list(caller, "", "", 1));
}

TEST_F(SuppressionServiceTest, ListRefusesACursorItDidNotMake) {
  auto bad = service.list(caller, "", "!!!", std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_EQ("invalid_request", bad.error().code);
  EXPECT_EQ("cursor", bad.error().field);
}

// --- import ---

TEST_F(SuppressionServiceTest, ImportReadsTheEmailAndReasonColumnsOfAHeaderInAnyOrder) {
  auto report = import("Reason,Name,Email\r\nleft the company,Ann,Ann@X.com\r\n,Bob,bob@y.com\r\n");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(2, report->rows);
  EXPECT_EQ(2, report->added);
  EXPECT_EQ(0, report->already_listed);
  EXPECT_EQ(0, report->invalid_count);

  auto ann = entry("ann@x.com");
  ASSERT_TRUE(ann);
  EXPECT_EQ("Ann@X.com", ann->email);
  EXPECT_EQ("import", ann->source);
  EXPECT_EQ("left the company", ann->reason);
  EXPECT_EQ(std::optional<std::string>("ann@acme.com"), ann->created_by);
  EXPECT_EQ(clock.now(), ann->created_at);
  ASSERT_TRUE(entry("bob@y.com"));
  EXPECT_EQ("", entry("bob@y.com")->reason);
}

TEST_F(SuppressionServiceTest, ImportKnowsTheEmailColumnByItsUsualNames) {
  for (const char* header : {"E-mail", "Email Address", "EMAIL  "}) {
    std::string csv = std::string("name,") + header + "\nAnn,ann@x.com\n";
    auto report = import(csv);
    ASSERT_TRUE(report) << header << ": " << report.error().message;
    EXPECT_EQ(1, report->rows) << header;
    EXPECT_EQ(0, report->invalid_count) << header;
  }
  EXPECT_EQ(std::vector<std::string>{"ann@x.com"}, keys_listed());
}

TEST_F(SuppressionServiceTest, ImportWithoutAHeaderTakesAddressesFromTheFirstColumn) {
  auto report = import("ann@x.com,some reason\n bob@y.com \n");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(2, report->rows);
  EXPECT_EQ(2, report->added);
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@y.com"}), keys_listed());
  EXPECT_EQ("", entry("ann@x.com")->reason) << "without a header there is no reason column";
}

TEST_F(SuppressionServiceTest, ImportReportsInvalidRowsWithTheirLineNumbers) {
  // Line 1 is the header; blank lines are skipped but still counted as lines.
  auto report = import("email,reason\n"   // 1
                       "ann@x.com,ok\n"   // 2
                       "not-an-address,x\n"  // 3
                       "\n"               // 4
                       "   \n"            // 5
                       ",no address\n"    // 6
                       "bob@y.com\n"      // 7
                       "cy@@z.com\n");    // 8
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ((Invalid{{3, "not-an-address", kNotAnAddress}, {6, "", kNotAnAddress}, {8, "cy@@z.com", kNotAnAddress}}),
            report->invalid);
  EXPECT_EQ(3, report->invalid_count);
  EXPECT_EQ(2, report->added);
  EXPECT_EQ(5, report->rows) << "blank lines are not rows";
  EXPECT_EQ((std::vector<std::string>{"ann@x.com", "bob@y.com"}), keys_listed());
}

TEST_F(SuppressionServiceTest, ImportWithoutAHeaderNumbersTheFirstRowLineOne) {
  auto report = import("ann@x.com\nnope\n");
  ASSERT_TRUE(report);
  EXPECT_EQ((Invalid{{2, "nope", kNotAnAddress}}), report->invalid);
}

TEST_F(SuppressionServiceTest, ImportListsTheFirstHundredInvalidRowsAndCountsThemAll) {
  std::string csv = "email\n";
  for (int i = 0; i < 150; ++i) csv += "bad" + std::to_string(i) + "\n";
  auto report = import(csv);
  ASSERT_TRUE(report);
  EXPECT_EQ(150, report->invalid_count);
  ASSERT_EQ(100u, report->invalid.size());
  EXPECT_EQ((InvalidRow{2, "bad0", kNotAnAddress}), report->invalid.front());
  EXPECT_EQ((InvalidRow{101, "bad99", kNotAnAddress}), report->invalid.back());
}

TEST_F(SuppressionServiceTest, ImportRefusesARowWhoseEmailCellIsNotUtf8AndEchoesItAsValidUtf8) {
  auto report = import("email\nann\xC3(@x.com\nbob@y.com\n");
  ASSERT_TRUE(report);
  EXPECT_EQ((Invalid{{2, "ann\xEF\xBF\xBD(@x.com", "the email cell is not valid UTF-8"}}), report->invalid);
  EXPECT_EQ((std::vector<std::string>{"bob@y.com"}), keys_listed());
}

TEST_F(SuppressionServiceTest, ImportRefusesARowWhoseReasonCellIsNotUtf8) {
  auto report = import("email,reason\nann@x.com,caf\xE9\n");
  ASSERT_TRUE(report);
  EXPECT_EQ((Invalid{{2, "ann@x.com", "the reason cell is not valid UTF-8"}}), report->invalid);
  EXPECT_TRUE(keys_listed().empty()) << "a cell that is not UTF-8 is never stored";
}

TEST_F(SuppressionServiceTest, ImportCutsALongReasonBetweenCodePoints) {
  // Given a reason whose 500th byte is the first half of a two-byte "é",
  auto report = import("email,reason\nann@x.com," + std::string(499, 'a') + "\xC3\xA9 and more\n");
  ASSERT_TRUE(report);
  // then the stored reason stops before that code point.
  EXPECT_EQ(std::string(499, 'a'), entry("ann@x.com")->reason);
}

TEST_F(SuppressionServiceTest, ImportEchoesAtMost200BytesOfARejectedCellWithoutSplittingACodePoint) {
  auto report = import("email\n" + std::string(199, 'x') + "\xC3\xA9" + std::string(1 << 20, 'y') + "\n");
  ASSERT_TRUE(report);
  ASSERT_EQ(1u, report->invalid.size());
  EXPECT_EQ(std::string(199, 'x'), report->invalid[0].value);
}

TEST_F(SuppressionServiceTest, ImportNeverReplacesAnExistingEntry) {
  listed("ann@x.com", "one_click", "");
  auto report = import("email,reason\nANN@x.com,imported reason\nbob@y.com,new\nBob@Y.com,again\n");
  ASSERT_TRUE(report);
  EXPECT_EQ(3, report->rows);
  EXPECT_EQ(1, report->added);
  EXPECT_EQ(2, report->already_listed) << "the existing entry, and the file's own repeat";
  auto ann = entry("ann@x.com");
  ASSERT_TRUE(ann);
  EXPECT_EQ("ann@x.com", ann->email);
  EXPECT_EQ("one_click", ann->source);
  EXPECT_EQ("", ann->reason);
  EXPECT_EQ(std::nullopt, ann->created_by);
  EXPECT_EQ("new", entry("bob@y.com")->reason);
}

TEST_F(SuppressionServiceTest, ImportCutsReasonsToFiveHundredCharacters) {
  auto report = import("email,reason\nann@x.com," + std::string(600, 'r') + "\n");
  ASSERT_TRUE(report);
  EXPECT_EQ(std::string(500, 'r'), entry("ann@x.com")->reason);
}

TEST_F(SuppressionServiceTest, ImportReadsQuotedFieldsAndCrlf) {
  auto report = import("\"email\",\"reason\"\r\n\"ann@x.com\",\"said \"\"stop\"\", twice\"\r\n");
  ASSERT_TRUE(report);
  EXPECT_EQ(1, report->added);
  EXPECT_EQ("said \"stop\", twice", entry("ann@x.com")->reason);
}

TEST_F(SuppressionServiceTest, ImportWithoutAnEmailColumnIsRefusedWhole) {
  auto report = import("name,company\nAnn,Acme\n");
  ASSERT_FALSE(report);
  EXPECT_EQ("invalid_request", report.error().code);
  EXPECT_EQ("body", report.error().field);
  EXPECT_TRUE(keys_listed().empty());
  EXPECT_TRUE(audit_log().empty());
}

TEST_F(SuppressionServiceTest, ImportOfAnEmptyBodyAddsNothing) {
  auto report = import("");
  ASSERT_TRUE(report);
  EXPECT_EQ(0, report->rows);
  EXPECT_EQ(0, report->added);
  EXPECT_TRUE(keys_listed().empty());
}

TEST_F(SuppressionServiceTest, ImportWritesOneAuditEntryWithTheCounts) {
  listed("ann@x.com");
  ASSERT_TRUE(import("email\nann@x.com\nbob@y.com\nnope\n"));
  auto log = audit_log();
  ASSERT_EQ(1u, log.size());
  EXPECT_EQ("suppressions.imported", log[0].action);
  EXPECT_EQ(std::optional<std::string>("ann@acme.com"), log[0].actor_email);
  EXPECT_EQ(std::optional<std::string>(R"({"rows":3,"added":1,"already_listed":1,"invalid":1})"), log[0].after_json);
}

TEST_F(SuppressionServiceTest, ImportStopsTheActiveEnrollmentsOfImportedAddresses) {
  std::string ann = enrolled("Ann@X.com");
  std::string bob = enrolled("bob@y.com");
  ASSERT_TRUE(import("email\nann@x.com\n"));
  EXPECT_EQ(store::EnrollmentState::Stopped, enrollment(ann).state);
  EXPECT_EQ("suppressed", enrollment(ann).reason);
  EXPECT_EQ(store::EnrollmentState::Active, enrollment(bob).state);
}

TEST_F(SuppressionServiceTest, ImportReportsProgressUpToTheWholeBody) {
  // Given 2,500 addresses (three chunks of at most 1,000), then progress is reported once
  // per chunk, growing, and the last report is every byte of the body.
  std::string csv = "email\n";
  for (int i = 0; i < 2500; ++i) csv += "person" + std::to_string(i) + "@example.com\n";
  std::vector<int64_t> reported;
  auto report = import(csv, [&](int64_t bytes) { reported.push_back(bytes); });
  ASSERT_TRUE(report);
  EXPECT_EQ(2500, report->added);
  ASSERT_EQ(3u, reported.size());
  EXPECT_GT(reported[0], 0);
  EXPECT_LT(reported[0], reported[1]);
  EXPECT_EQ(static_cast<int64_t>(csv.size()), reported[2]) << "the last chunk was read to the end of the body";
}

TEST_F(SuppressionServiceTest, ImportReadsAHeaderAfterAUtf8ByteOrderMark) {
  // Spreadsheets save "CSV UTF-8" with a byte order mark before the first header.
  auto report = import("\xEF\xBB\xBF" "email,reason\nann@x.com,left\n");
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(1, report->added);
  EXPECT_EQ("left", entry("ann@x.com")->reason);
}

// --- export ---

TEST_F(SuppressionServiceTest, ExportWritesAHeaderThenEveryEntryInAddressOrder) {
  listed("bob@y.com", "one_click", "");
  clock.advance(Millis(90000));
  ASSERT_TRUE(service.add(caller, "Ann@X.com", "asked, politely"));
  EXPECT_EQ(
      "email,source,reason,created_by,created_at\r\n"
      "Ann@X.com,manual,\"asked, politely\",ann@acme.com,2026-01-15T12:01:30Z\r\n"
      "bob@y.com,one_click,,,2026-01-15T12:00:00Z\r\n",
      exported());
}

TEST_F(SuppressionServiceTest, ExportOfAnEmptyListIsTheHeader) {
  EXPECT_EQ("email,source,reason,created_by,created_at\r\n", exported());
}

TEST_F(SuppressionServiceTest, ExportGuardsReasonsThatLookLikeFormulas) {
  listed("ann@x.com", "manual", "=HYPERLINK(\"http://evil\")");
  EXPECT_EQ(
      "email,source,reason,created_by,created_at\r\n"
      "ann@x.com,manual,\"'=HYPERLINK(\"\"http://evil\"\")\",,2026-01-15T12:00:00Z\r\n",
      exported());
}

TEST_F(SuppressionServiceTest, ExportGoesPastAThousandEntries) {
  store->transaction([&] {
    for (int i = 0; i < 1001; ++i)
      store->suppressions().add(caller.team_id, "p" + std::to_string(10000 + i) + "@x.com", "import", "",
                                std::nullopt, clock.now());
  });
  std::string csv = exported();
  EXPECT_EQ(1002, std::count(csv.begin(), csv.end(), '\n'));
  EXPECT_NE(std::string::npos, csv.find("\r\np11000@x.com,"));
}

TEST_F(SuppressionServiceTest, AnExportImportsBackAsTheSameAddresses) {
  // Given an export, then importing it into another team lists the very same addresses,
  // including one whose local part starts with a character the formula guard quotes.
  listed("ann@x.com", "manual", "left");
  listed("-ops@x.com", "manual", "");
  std::string csv = exported();

  auto other = store->teams().create("Initech", clock.now());
  Caller other_admin{"us_9", other.id, "root@initech.com", true};
  std::istringstream in(csv);
  auto report = service.import_csv(other_admin, in);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(0, report->invalid_count);
  std::vector<std::string> keys;
  for (const auto& s : store->suppressions().list(other.id, "", "", 100)) keys.push_back(s.email_key);
  EXPECT_EQ((std::vector<std::string>{"-ops@x.com", "ann@x.com"}), keys);
}

}  // namespace
}  // namespace sg::suppressions::test
