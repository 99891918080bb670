#include "core/email_status.h"

#include "core/wire_names.h"

namespace sg {
namespace {

constexpr WireNames<EmailStatus, 6> kStatuses{{
    {EmailStatus::Queued, "queued"},
    {EmailStatus::Held, "held"},
    {EmailStatus::Sent, "sent"},
    {EmailStatus::Failed, "failed"},
    {EmailStatus::Suppressed, "suppressed"},
    {EmailStatus::Blocked, "blocked"},
}};

}  // namespace

std::string_view to_string(EmailStatus s) { return name_of(kStatuses, s); }
std::optional<EmailStatus> parse_email_status(std::string_view text) { return value_of(kStatuses, text); }

bool is_final(EmailStatus s) { return s != EmailStatus::Queued && s != EmailStatus::Held; }

std::string_view to_string(FailPolicy p) { return p == FailPolicy::Block ? "block" : "send"; }

std::optional<FailPolicy> parse_fail_policy(std::string_view text) {
  if (text == "block") return FailPolicy::Block;
  if (text == "send") return FailPolicy::Send;
  return std::nullopt;
}

std::string_view to_string(Role r) { return r == Role::Admin ? "admin" : "user"; }

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::Admin;
  if (text == "user") return Role::User;
  return std::nullopt;
}

}  // namespace sg
