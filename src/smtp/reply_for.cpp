#include "smtp/reply_for.h"

#include "core/error_codes.h"

namespace sg::smtp {
namespace {

// "a@x, b@y and 3 more", short enough for one reply line.
std::string named(const std::vector<std::string>& addresses, size_t room) {
  std::string out;
  for (size_t i = 0; i < addresses.size(); ++i) {
    std::string next = (i ? ", " : "") + addresses[i];
    std::string rest = " and " + std::to_string(addresses.size() - i) + " more";
    if (out.size() + next.size() + (i + 1 < addresses.size() ? rest.size() : 0) > room) {
      return out.empty() ? std::to_string(addresses.size()) + " addresses" : out + rest;
    }
    out += next;
  }
  return out;
}

std::string or_default(const std::string& message, const char* fallback) {
  return message.empty() ? fallback : message;
}

}  // namespace

Reply reply_for(const Error& error) {
  const std::string& code = error.code;
  if (code == errc::recipient_unsubscribed) {
    const std::string lead = "Not sent: unsubscribed recipient(s): ";
    return reply(550, "5.7.1", lead + named(error.recipients, kMaxReplyText - lead.size()));
  }
  if (code == errc::unsubscribe_check_unavailable)
    return reply(451, "4.7.0", "Could not verify the recipients' unsubscribe status, try again later");
  if (code == errc::forbidden) return reply(550, "5.7.1", or_default(error.message, "Not allowed"));
  if (code == errc::unauthorized) return reply(535, "5.7.8", "Authentication credentials invalid");
  if (code == errc::rate_limited) return reply(454, "4.7.0", "Too many attempts, try again later");
  if (code == errc::invalid_request) return reply(554, "5.6.0", or_default(error.message, "Invalid message"));
  return reply(451, "4.3.0", "Temporary server error, try again later");
}

Reply accepted(const std::string& email_id) { return reply(250, "2.0.0", "Ok: queued as " + email_id); }

}  // namespace sg::smtp
