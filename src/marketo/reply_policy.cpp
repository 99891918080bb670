#include "marketo/reply_policy.h"

#include <set>

#include "marketo/error_codes.h"
#include "net/error_codes.h"

namespace sg::marketo {

namespace {

ReplyVerdict verdict(Next next, std::string metric, std::string_view code, std::string message) {
  return ReplyVerdict{next, std::move(metric), Error::make(code, std::move(message)), {}, {}};
}

ReplyVerdict judge_status(int status) {
  const std::string metric = "http_" + std::to_string(status);
  const std::string message = "Marketo answered HTTP " + std::to_string(status);
  // Not documented for REST calls; a gateway in front of Marketo may answer so.
  if (status == 401) return verdict(Next::renew_token, metric, errc::error, message + " after a token renewal");
  if (status == 404) return verdict(Next::fail, metric, errc::rest_not_found, message);
  if (status == 429) return verdict(Next::retry_slower, metric, errc::rate_limited, message);
  if (status == 502 || status == 503 || status == 504) {
    return verdict(Next::retry, metric, errc::unreachable, message);
  }
  return verdict(Next::fail, metric, errc::error, message);  // 413, 414, and the unexpected
}

ReplyVerdict judge_api_error(const ApiError& error) {
  // 614 "Invalid subscription" is, per Adobe's error-code page, usually a temporary
  // inaccessibility of the subscription.
  static const std::set<std::string> kTransient{"604", "608", "611", "614", "713"};
  const std::string& code = error.code;
  const std::string metric = code.empty() ? "no_code" : code;
  const std::string message = "Marketo error " + metric + ": " + error.message;
  if (code == "601" || code == "602") {
    return verdict(Next::renew_token, metric, errc::token_rejected, message + " (after a token renewal)");
  }
  if (kTransient.count(code)) return verdict(Next::retry, metric, errc::unreachable, message);
  if (code == "606") return verdict(Next::wait_window, metric, errc::rate_limited, message);
  if (code == "615") return verdict(Next::retry_slower, metric, errc::rate_limited, message);
  if (code == "607") return verdict(Next::stop_for_today, metric, errc::quota_exceeded, message);
  if (code == "603") return verdict(Next::fail, metric, errc::access_denied, message);
  if (code == "1003") return verdict(Next::fail, metric, errc::invalid_data, message);
  if (code == "610") return verdict(Next::fail, metric, errc::rest_not_found, message);
  return verdict(Next::fail, metric, errc::error, message);  // 609, 612, 613, unknown
}

}  // namespace

ReplyVerdict judge_reply(const Result<net::Response>& reply) {
  if (!reply) {
    if (reply.error().code == net::errc::address_refused) {
      return verdict(Next::fail, "address_refused", errc::address_refused, reply.error().message);
    }
    return verdict(Next::retry, "transport", errc::unreachable, "Marketo unreachable: " + reply.error().message);
  }
  if (reply->status != 200) return judge_status(reply->status);
  Result<ReplyEnvelope> envelope = parse_reply_envelope(reply->body);
  if (!envelope) {
    return verdict(Next::retry, "invalid_response", errc::error,
                   "Marketo sent an unreadable reply: " + envelope.error().message);
  }
  if (!envelope->success) {
    return judge_api_error(envelope->errors.empty() ? ApiError{} : envelope->errors.front());
  }
  ReplyVerdict ok = verdict(Next::use, "success", "", "");
  ok.envelope = std::move(envelope).value();
  return ok;
}

ReplyVerdict judge_file_reply(const Result<net::Response>& reply) {
  const bool file = reply && reply->status == 200 && !reply->body.starts_with('{');
  if (!file) {
    ReplyVerdict judged = judge_reply(reply);
    if (judged.next != Next::use) return judged;
    return verdict(Next::fail, "invalid_response", errc::error, "Marketo sent a JSON reply where a file was due");
  }
  ReplyVerdict ok = verdict(Next::use, "success", "", "");
  ok.file = reply->body;
  return ok;
}

}  // namespace sg::marketo
