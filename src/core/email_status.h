// Lifecycle states of an email, their API names, and the team's fail policy.
#pragma once

#include <optional>
#include <string_view>

namespace sg {

enum class EmailStatus { Queued, Held, Sent, Failed, Suppressed, Blocked };

std::string_view to_string(EmailStatus s);
std::optional<EmailStatus> parse_email_status(std::string_view text);
// Final states never change again; queued and held ones will be retried.
bool is_final(EmailStatus s);

// What the gate does when a source cannot answer: refuse/hold ("block") or let the
// email go unverified ("send").
enum class FailPolicy { Block, Send };
std::string_view to_string(FailPolicy p);
std::optional<FailPolicy> parse_fail_policy(std::string_view text);

enum class Role { Admin, User };
std::string_view to_string(Role r);
std::optional<Role> parse_role(std::string_view text);

}  // namespace sg
