#include "mail/smtp_transaction.h"

#include <algorithm>
#include <vector>

namespace sg::mail {
namespace {

// A relay that sends this much without ending a line is not speaking SMTP.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;

struct Reply {
  int code = 0;
  std::string line;  // of a multi-line reply ("250-..." lines up to "250 ..."), the last
};

std::optional<std::string> read_reply(SmtpWire& wire, std::string& input, Reply& reply) {
  while (true) {
    std::size_t end = input.find('\n');
    if (end == std::string::npos) {
      if (input.size() > kMaxReplyBytes) return "the relay's reply has no end of line";
      if (std::optional<std::string> failed = wire.read(input)) return failed;
      continue;
    }
    std::string line = input.substr(0, end > 0 && input[end - 1] == '\r' ? end - 1 : end);
    input.erase(0, end + 1);
    if (line.size() > 3 && line[3] == '-') continue;
    reply = {reply_code(line), std::move(line)};
    if (reply.code == 0) return "the relay answered outside SMTP: " + reply.line.substr(0, 200);
    return std::nullopt;
  }
}

TransactionOutcome broken(std::string error) {
  return {{DeliveryStatus::TemporaryFailure, std::move(error)}, false};
}

// A 5xx reply refuses for good, anything else only for now. 421 means the relay is
// closing the connection.
TransactionOutcome refused(const Reply& reply, std::string_view what) {
  bool permanent = reply.code >= 500 && reply.code < 600;
  return {{permanent ? DeliveryStatus::PermanentFailure : DeliveryStatus::TemporaryFailure,
           reply.line + " (" + std::string(what) + ")"},
          reply.code != 421};
}

// Ends a refused transaction so the next one starts clean.
bool reset(SmtpWire& wire, std::string& input) {
  Reply reply;
  return !wire.write("RSET\r\n") && !read_reply(wire, input, reply) && reply.code / 100 == 2;
}

std::string without_crlf(std::string_view command) {
  return std::string(command.substr(0, command.size() - 2));
}

}  // namespace

int reply_code(std::string_view reply) {
  bool coded = reply.size() >= 3 && std::all_of(reply.begin(), reply.begin() + 3,
                                                [](char c) { return c >= '0' && c <= '9'; });
  return coded ? (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0') : 0;
}

std::string dot_stuffed(std::string_view mime) {
  std::string out;
  out.reserve(mime.size() + mime.size() / 32 + 2);
  bool line_start = true;
  for (char c : mime) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

TransactionOutcome run_transaction(SmtpWire& wire, bool pipelining, const SmtpEnvelope& envelope,
                                   std::string_view mime, const Transport::EndGate& may_end,
                                   std::string& input) {
  std::vector<std::string> commands{"MAIL FROM:<" + envelope.mail_from + ">\r\n"};
  for (const std::string& rcpt : envelope.rcpt_to) commands.push_back("RCPT TO:<" + rcpt + ">\r\n");
  commands.push_back("DATA\r\n");

  // Written whole before any reply is read: a thousand recipients' replies (about 30 KB)
  // fit in the socket's receive buffer, so a relay that stops reading while its replies
  // wait cannot block this write (RFC 2920 3.1).
  std::string batch;
  if (pipelining)
    for (const std::string& command : commands) batch += command;
  std::optional<TransactionOutcome> refusal;  // the first command refused
  Reply reply;
  for (std::size_t i = 0; i < commands.size() && !(refusal && !pipelining); ++i) {
    std::optional<std::string> failed;
    if (!pipelining || i == 0) failed = wire.write(pipelining ? batch : commands[i]);
    if (!failed) failed = read_reply(wire, input, reply);
    if (failed) {
      TransactionOutcome outcome = broken(std::move(*failed));
      outcome.stale = i == 0;
      return outcome;
    }
    bool is_data = i + 1 == commands.size();
    bool accepted = is_data ? reply.code == 354 : reply.code / 100 == 2;
    if (!accepted && !refusal) {
      refusal = refused(reply, "refused " + without_crlf(commands[i]));
      refusal->stale = i == 0 && reply.code == 421;
    }
  }
  if (refusal) {
    // Pipelined, DATA may have been taken for the recipients that were accepted: the relay
    // then waits for a message that must not end, and only closing the connection drops it.
    refusal->reusable = refusal->reusable && reply.code != 354 && reset(wire, input);
    return *refusal;
  }

  if (std::optional<std::string> failed = wire.write(dot_stuffed(mime))) return broken(*failed);
  if (!may_end()) {
    TransactionOutcome outcome = broken("abandoned before the end of the message");
    outcome.abandoned = true;
    return outcome;
  }
  std::optional<std::string> failed = wire.write(".\r\n");
  if (!failed) failed = read_reply(wire, input, reply);
  if (failed) return broken(*failed);
  if (reply.code / 100 != 2) return refused(reply, "refused the message");
  return {{DeliveryStatus::Delivered, reply.line}, true};
}

}  // namespace sg::mail
