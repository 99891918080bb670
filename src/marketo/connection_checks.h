// What verifying a connection found, check by check: the token, each read the unsubscribe
// check makes, and the write-back's permission, which Marketo offers no read-only way to
// test (MARKETO.md "Real-instance behaviour").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sg::marketo {

inline constexpr std::string_view kTokenCheck = "token";
inline constexpr std::string_view kLeadLookupCheck = "lead_lookup";
inline constexpr std::string_view kActivityReadCheck = "activity_read";
inline constexpr std::string_view kWriteBackCheck = "write_back";

struct ConnectionCheck {
  std::string name;
  std::optional<bool> ok;  // nullopt: not known (not tried, or no way to tell)
  std::string code;        // why it failed
  std::string message;     // what failed or why it was not tried
  std::string warning;     // something the admin should know, though it refuses nothing
};

struct ConnectionReport {
  std::vector<ConnectionCheck> checks;
  std::optional<Error> failure;  // the first failed check's error: the connection is refused

  bool ok() const { return !failure; }
  const Error& error() const { return *failure; }
};

// Messages are Sendguard's own, never an endpoint's text.
ConnectionCheck token_check(const Status& outcome);

// The check of one REST read: passed, or failed with a cause the admin can act on
// (`permission` names the role permission a 603 means is missing).
ConnectionCheck read_check(std::string_view name, const Status& outcome, std::string_view permission);

// A check that needs a token, when none was had.
ConnectionCheck not_tried(std::string_view name);

// The write-back check: always unknown, with a warning naming the permission it needs.
ConnectionCheck write_back_check();

}  // namespace sg::marketo
