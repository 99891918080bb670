#include "marketo/us_central.h"

#include "marketo/daily_budget.h"

#include <gtest/gtest.h>

#include <ctime>

namespace sg::marketo {
namespace {

TimePoint utc(int year, int month, int day, int hour, int minute = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string next_midnight(TimePoint t) { return format_rfc3339(next_us_central_midnight(t)); }

TEST(UsCentral, CentralOffsetFollowsUsDaylightRules) {
  EXPECT_EQ(Millis{-6 * 3600000}, us_central_offset(utc(2026, 1, 15, 12)));
  EXPECT_EQ(Millis{-5 * 3600000}, us_central_offset(utc(2026, 7, 1, 12)));
  // 2026: daylight time from Sunday 8 March 08:00 UTC to Sunday 1 November 07:00 UTC.
  EXPECT_EQ(Millis{-6 * 3600000}, us_central_offset(utc(2026, 3, 8, 7, 59)));
  EXPECT_EQ(Millis{-5 * 3600000}, us_central_offset(utc(2026, 3, 8, 8, 0)));
  EXPECT_EQ(Millis{-5 * 3600000}, us_central_offset(utc(2026, 11, 1, 6, 59)));
  EXPECT_EQ(Millis{-6 * 3600000}, us_central_offset(utc(2026, 11, 1, 7, 0)));
  // 2027: 14 March and 7 November.
  EXPECT_EQ(Millis{-6 * 3600000}, us_central_offset(utc(2027, 3, 14, 7, 59)));
  EXPECT_EQ(Millis{-5 * 3600000}, us_central_offset(utc(2027, 3, 14, 8, 0)));
  EXPECT_EQ(Millis{-5 * 3600000}, us_central_offset(utc(2027, 11, 7, 6, 59)));
  EXPECT_EQ(Millis{-6 * 3600000}, us_central_offset(utc(2027, 11, 7, 7, 0)));
}

TEST(UsCentral, CentralMidnightInWinterAndSummer) {
  EXPECT_EQ("2026-01-16T06:00:00Z", next_midnight(utc(2026, 1, 15, 12)));
  EXPECT_EQ("2026-07-01T05:00:00Z", next_midnight(utc(2026, 7, 1, 3)));   // 22:00 CDT on 30 June
  EXPECT_EQ("2026-07-02T05:00:00Z", next_midnight(utc(2026, 7, 1, 5)));   // exactly midnight: the next one
  EXPECT_EQ("2027-01-01T06:00:00Z", next_midnight(utc(2026, 12, 31, 23)));
  EXPECT_EQ("2028-03-01T06:00:00Z", next_midnight(utc(2028, 2, 29, 12)));  // leap day
}

TEST(UsCentral, CentralMidnightAcrossSpringForward) {
  EXPECT_EQ("2026-03-08T06:00:00Z", next_midnight(utc(2026, 3, 8, 5)));      // 23:00 CST on 7 March
  EXPECT_EQ("2026-03-09T05:00:00Z", next_midnight(utc(2026, 3, 8, 7, 30)));  // 01:30 CST on 8 March
  EXPECT_EQ("2026-03-09T05:00:00Z", next_midnight(utc(2026, 3, 8, 9)));      // 04:00 CDT on 8 March
}

TEST(UsCentral, CentralMidnightAcrossFallBack) {
  EXPECT_EQ("2026-11-01T05:00:00Z", next_midnight(utc(2026, 10, 31, 12)));   // 07:00 CDT on 31 October
  EXPECT_EQ("2026-11-02T06:00:00Z", next_midnight(utc(2026, 11, 1, 6, 30)));  // first 01:30, CDT
  EXPECT_EQ("2026-11-02T06:00:00Z", next_midnight(utc(2026, 11, 1, 7, 30)));  // second 01:30, CST
  EXPECT_EQ("2026-11-02T06:00:00Z", next_midnight(utc(2026, 11, 2, 5, 30)));  // 23:30 CST on 1 November
}

TEST(UsCentral, LastCentralMidnightIsTheOneAtOrBefore) {
  auto last = [](TimePoint t) { return format_rfc3339(last_us_central_midnight(t)); };
  EXPECT_EQ("2026-01-15T06:00:00Z", last(utc(2026, 1, 15, 12)));
  EXPECT_EQ("2026-07-01T05:00:00Z", last(utc(2026, 7, 1, 5)));  // exactly midnight: itself
  EXPECT_EQ("2026-06-30T05:00:00Z", last(utc(2026, 7, 1, 4, 59)));
  EXPECT_EQ("2026-11-01T05:00:00Z", last(utc(2026, 11, 1, 7, 30)));  // second 01:30, CST
}

TEST(UsCentral, QuotaSpentLongAfterTheResetWaitsForTheNextMidnight) {
  EXPECT_EQ("2026-01-16T06:00:00Z", format_rfc3339(quota_resumes_at(utc(2026, 1, 15, 12))));
  EXPECT_EQ("2026-07-16T05:00:00Z", format_rfc3339(quota_resumes_at(utc(2026, 7, 15, 7))));
}

TEST(UsCentral, QuotaSpentSoonAfterTheComputedResetIsAskedAgainHourly) {
  // Midnight CDT is 05:00Z; "12:00AM CST" read literally is 06:00Z.
  EXPECT_EQ("2026-07-15T06:30:00Z", format_rfc3339(quota_resumes_at(utc(2026, 7, 15, 5, 30))));
  EXPECT_EQ("2026-07-15T07:59:00Z", format_rfc3339(quota_resumes_at(utc(2026, 7, 15, 6, 59))));
  EXPECT_EQ("2026-01-15T07:10:00Z", format_rfc3339(quota_resumes_at(utc(2026, 1, 15, 6, 10))));
}

}  // namespace
}  // namespace sg::marketo
