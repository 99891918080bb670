#include "smtp/session.h"

#include <spdlog/spdlog.h>

#include <cctype>

#include "crypto/tokens.h"
#include "smtp/command.h"
#include "smtp/reply_for.h"

namespace sg::smtp {
namespace {

constexpr size_t kMaxCommandLine = 512;    // with CRLF (RFC 5321 4.5.3.1.4)
constexpr size_t kMaxAuthLine = 12288;     // AUTH and its responses (RFC 4954 4)

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  return true;
}

bool all_digits(const std::string& text) {
  if (text.empty() || text.size() > 18) return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

Reply fault_reply(MessageReader::Fault fault, size_t max_bytes) {
  switch (fault) {
    case MessageReader::Fault::too_big:
      return reply(552, "5.3.4", "Message exceeds the maximum size of " + std::to_string(max_bytes) + " octets");
    case MessageReader::Fault::nul_byte:
      return reply(554, "5.6.0", "Message refused: it contains a NUL byte");
    case MessageReader::Fault::bare_line_end:
      return reply(554, "5.6.0", "Message refused: it contains a bare CR or LF; lines must end with CRLF");
    case MessageReader::Fault::line_too_long:
      return reply(554, "5.6.0", "Message refused: a line is longer than 1000 octets (RFC 5321 4.5.3.1.6)");
  }
  return reply(554, "5.6.0", "Message refused");
}

const Reply kSendEhloFirst = reply(503, "5.5.1", "Send EHLO first");

}  // namespace

Session::Session(SessionOptions options, Submission& submission, Peer peer)
    : options_(std::move(options)), submission_(submission), peer_(std::move(peer)) {}

std::string Session::greeting() const {
  return reply(220, "", options_.hostname + " ESMTP Sendguard ready").wire();
}

std::string Session::timeout_reply() { return reply(421, "4.4.2", "Timeout, closing connection").wire(); }

std::string Session::busy_reply() {
  return reply(421, "4.7.0", "Too many connections, try again later").wire();
}

std::string Session::unavailable_reply() {
  return reply(421, "4.3.0", "Service temporarily unavailable, closing connection").wire();
}

Session::Next Session::feed(std::string_view bytes, std::string& out) {
  while (!bytes.empty()) {
    if (message_) {
      bytes.remove_prefix(message_->feed(bytes));
      if (message_->done()) out += end_of_data().wire();
      continue;
    }
    size_t lf = bytes.find('\n');
    std::string_view chunk = bytes.substr(0, lf);
    // Past the limit the line is dropped as it arrives; only its end is still looked for.
    if (!partial_overflow_ && partial_.size() + chunk.size() + 1 > line_limit(chunk)) {
      partial_overflow_ = true;
      std::string().swap(partial_);
    }
    if (!partial_overflow_) partial_.append(chunk);
    if (lf == std::string_view::npos) return Next::read;
    bytes.remove_prefix(lf + 1);
    std::string text = std::move(partial_);
    partial_.clear();
    bool overflow = std::exchange(partial_overflow_, false);
    // Every line counts, so no stream of bad lines keeps a connection forever.
    if (++commands_ > options_.max_commands) {
      out += reply(421, "4.7.0", "Too many commands, closing connection").wire();
      return Next::close;
    }
    Next next = Next::read;
    if (overflow) {
      auth_step_ = AuthStep::none;
      next = answer(reply(500, "5.5.6", "Line too long"), out);
    } else if (text.empty() || text.back() != '\r') {
      auth_step_ = AuthStep::none;
      next = answer(reply(500, "5.5.2", "Command lines must end with CRLF, not a bare LF"), out);
    } else {
      text.pop_back();
      next = line(text, out);
    }
    if (next != Next::read) return next;
  }
  return Next::read;
}

size_t Session::line_limit(std::string_view next_chunk) const {
  if (auth_step_ != AuthStep::none) return kMaxAuthLine;
  std::string head = partial_.substr(0, 5);
  head.append(next_chunk.substr(0, 5 - head.size()));  // "AUTH " may come split across reads
  return starts_with_nocase(head, "AUTH ") ? kMaxAuthLine : kMaxCommandLine;
}

Session::Next Session::answer(const Reply& r, std::string& out) {
  out += r.wire();
  return r.code == 421 ? Next::close : Next::read;
}

Session::Next Session::line(std::string_view text, std::string& out) {
  if (text.find('\0') != std::string_view::npos) {
    auth_step_ = AuthStep::none;
    return answer(reply(501, "5.5.4", "Command line contains a NUL byte"), out);
  }
  if (auth_step_ != AuthStep::none) return answer(auth_response(text), out);
  return command(text, out);
}

Session::Next Session::command(std::string_view text, std::string& out) {
  Command cmd = parse_command(text);
  const std::string& verb = cmd.verb;
  if (verb == "EHLO" || verb == "HELO") return answer(ehlo(cmd.args, verb == "EHLO"), out);
  if (verb == "STARTTLS") {
    if (!options_.starttls_available) return answer(reply(502, "5.5.1", "STARTTLS is not offered here"), out);
    if (peer_.tls) return answer(reply(503, "5.5.1", "TLS is already active"), out);
    if (!cmd.args.empty()) return answer(reply(501, "5.5.4", "STARTTLS takes no arguments"), out);
    Next next = answer(reply(220, "2.0.0", "Ready to start TLS"), out);
    return next == Next::read ? Next::start_tls : next;
  }
  if (verb == "AUTH") return answer(auth(cmd.args), out);
  if (verb == "MAIL") return answer(mail(cmd.args), out);
  if (verb == "RCPT") return answer(rcpt(cmd.args), out);
  if (verb == "DATA") return answer(data(cmd.args), out);
  if (verb == "RSET") {
    if (!cmd.args.empty()) return answer(reply(501, "5.5.4", "RSET takes no arguments"), out);
    reset_transaction();
    return answer(reply(250, "2.0.0", "OK"), out);
  }
  if (verb == "NOOP") return answer(reply(250, "2.0.0", "OK"), out);
  if (verb == "QUIT") {
    answer(reply(221, "2.0.0", "Bye"), out);
    return Next::close;
  }
  if (verb == "VRFY") {
    if (cmd.args.empty()) return answer(reply(501, "5.5.4", "VRFY needs an argument"), out);
    return answer(reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"), out);
  }
  if (verb == "EXPN") return answer(reply(502, "5.5.1", "EXPN is not implemented"), out);
  if (verb == "HELP") return answer(reply(214, "2.0.0", "Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY"), out);
  return answer(reply(500, "5.5.1", "Command not recognised: " + verb.substr(0, 16)), out);
}

Reply Session::ehlo(const std::string& args, bool extended) {
  if (args.empty()) return reply(501, "5.5.4", "Syntax: " + std::string(extended ? "EHLO" : "HELO") + " <domain>");
  greeted_ = true;
  reset_transaction();
  Reply hello = reply(250, "", options_.hostname + " greets " + args.substr(0, 64));
  if (!extended) return hello;
  hello.lines.insert(hello.lines.end(), {"PIPELINING", "SIZE " + std::to_string(options_.max_message_bytes),
                                           "8BITMIME", "ENHANCEDSTATUSCODES"});
  if (options_.starttls_available && !peer_.tls) hello.lines.push_back("STARTTLS");
  if (auth_allowed()) hello.lines.push_back("AUTH PLAIN LOGIN");
  return hello;
}

Reply Session::auth(const std::string& args) {
  if (!greeted_) return kSendEhloFirst;
  if (login_) return reply(503, "5.5.1", "Already authenticated");
  if (envelope_) return reply(503, "5.5.1", "AUTH is not allowed during a mail transaction");
  if (!auth_allowed()) return reply(538, "5.7.11", "Encryption required: use STARTTLS first");
  Command mech = parse_command(args);
  bool initial = !mech.args.empty();
  if (mech.verb == "PLAIN") {
    auth_step_ = AuthStep::plain;
    return initial ? auth_response(mech.args) : reply(334, "", "");
  }
  if (mech.verb == "LOGIN") {
    auth_step_ = AuthStep::login_username;
    return initial ? auth_response(mech.args) : reply(334, "", "VXNlcm5hbWU6");  // "Username:"
  }
  return reply(504, "5.5.4", "Unrecognised authentication mechanism; use PLAIN or LOGIN");
}

Reply Session::auth_response(std::string_view text) {
  AuthStep step = std::exchange(auth_step_, AuthStep::none);
  if (text == "*") return reply(501, "5.7.0", "Authentication cancelled");
  // "=" is an empty initial response (RFC 4954 4).
  auto decoded = text == "=" ? std::optional<std::string>("") : crypto::base64_decode(text);
  if (!decoded) return reply(501, "5.5.2", "Cannot decode the base64 response");
  if (step == AuthStep::login_username) {
    auth_username_ = *decoded;
    auth_step_ = AuthStep::login_password;
    return reply(334, "", "UGFzc3dvcmQ6");  // "Password:"
  }
  if (step == AuthStep::login_password) return login(std::exchange(auth_username_, ""), *decoded);
  // PLAIN: authzid NUL authcid NUL password (RFC 4616 2).
  size_t first = decoded->find('\0');
  size_t second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos)
    return reply(501, "5.5.2", "AUTH PLAIN needs authorization id, username and password separated by NUL");
  std::string authzid = decoded->substr(0, first);
  std::string username = decoded->substr(first + 1, second - first - 1);
  if (!authzid.empty() && authzid != username) return login("", "");  // acting as another is not offered
  return login(username, decoded->substr(second + 1));
}

Reply Session::login(const std::string& username, const std::string& password) {
  Result<Login> who = username.empty() ? Result<Login>(Error::unauthorized("no username"))
                                       : submission_.authenticate(username, password, peer_.address);
  if (who) {
    login_ = std::move(*who);
    spdlog::info("smtp: {} logged in from {}", login_->username, peer_.address);
    return reply(235, "2.7.0", "Authentication successful");
  }
  spdlog::info("smtp: failed AUTH from {}: {}", peer_.address, who.error().code);
  if (++auth_failures_ >= options_.max_auth_failures)
    return reply(421, "4.7.0", "Too many failed authentication attempts, closing connection");
  return reply_for(who.error());
}

Reply Session::mail(const std::string& args) {
  if (!greeted_) return kSendEhloFirst;
  if (!login_) return reply(530, "5.7.0", "Authentication required");
  if (envelope_) return reply(503, "5.5.1", "Nested MAIL command");
  auto parsed = parse_path_command(args, "FROM");
  if (!parsed) return reply(501, "5.5.4", parsed.error().message);
  for (const auto& param : parsed->params) {
    if (param.first == "SIZE") {
      if (!all_digits(param.second)) return reply(501, "5.5.4", "SIZE must be a number of octets");
      if (std::stoull(param.second) > options_.max_message_bytes)
        return reply(552, "5.3.4", "Message size exceeds the maximum of " + std::to_string(options_.max_message_bytes) + " octets");
    } else if (param.first == "BODY") {
      if (param.second != "7BIT" && param.second != "8BITMIME") return reply(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
    } else if (param.first != "AUTH") {  // AUTH=<> (RFC 4954 5) needs nothing from us
      return reply(555, "5.5.4", "Unsupported MAIL FROM parameter: " + param.first.substr(0, 32));
    }
  }
  Status allowed = submission_.may_send_as(*login_, parsed->path);
  if (!allowed) return reply_for(allowed.error());
  envelope_ = Envelope{parsed->path, {}};
  return reply(250, "2.1.0", "Sender OK");
}

Reply Session::rcpt(const std::string& args) {
  if (!envelope_) return reply(503, "5.5.1", "Send MAIL before RCPT");
  auto parsed = parse_path_command(args, "TO");
  if (!parsed) return reply(501, "5.1.3", parsed.error().message);
  if (parsed->path.empty()) return reply(501, "5.1.3", "A recipient cannot be empty");
  if (!parsed->params.empty()) return reply(555, "5.5.4", "RCPT TO takes no parameters here");
  if (envelope_->recipients.size() >= options_.max_recipients)
    return reply(452, "4.5.3", "Too many recipients; at most " + std::to_string(options_.max_recipients) + " per message");
  envelope_->recipients.push_back(parsed->path);
  return reply(250, "2.1.5", "Recipient OK");
}

Reply Session::data(const std::string& args) {
  if (!args.empty()) return reply(501, "5.5.4", "DATA takes no arguments");
  if (!envelope_) return reply(503, "5.5.1", "Send MAIL before DATA");
  if (envelope_->recipients.empty()) return reply(503, "5.5.1", "Send RCPT before DATA");
  message_.emplace(options_.max_message_bytes);
  return reply(354, "", "End data with <CR><LF>.<CR><LF>");
}

Reply Session::end_of_data() {
  Reply outcome;
  auto fault = message_->fault();
  if (fault) {
    outcome = fault_reply(*fault, options_.max_message_bytes);
  } else {
    auto queued = submission_.submit(*login_, *envelope_, message_->take_message());
    outcome = queued ? accepted(*queued) : reply_for(queued.error());
  }
  // One line per message; never its body, never a password.
  spdlog::info("smtp: message from {} <{}> to {} recipient(s): {} {}", login_->username, envelope_->reverse_path,
               envelope_->recipients.size(), outcome.code, outcome.enhanced);
  reset_transaction();
  return outcome;
}

void Session::tls_started() {
  peer_.tls = true;
  greeted_ = false;
  login_.reset();
  auth_step_ = AuthStep::none;
  partial_.clear();
  partial_overflow_ = false;
  reset_transaction();
}

void Session::reset_transaction() {
  envelope_.reset();
  message_.reset();
}

}  // namespace sg::smtp
