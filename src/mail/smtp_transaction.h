// One SMTP mail transaction (RFC 5321 3.3: MAIL, RCPT, DATA, the message, its end) on a
// connection that is already greeted, encrypted and logged in. Where the relay offers
// PIPELINING (RFC 2920) the commands before the message go in one write and their
// replies are read together, so a message costs two round trips instead of four.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mail/transport.h"

namespace sg::mail {

// The byte stream under a transaction. Each call fails with a sentence naming what went
// wrong (the relay hung up, timed out, a TLS error).
class SmtpWire {
 public:
  virtual ~SmtpWire() = default;
  virtual std::optional<std::string> write(std::string_view bytes) = 0;
  // Appends at least one byte to `into`.
  virtual std::optional<std::string> read(std::string& into) = 0;
};

struct TransactionOutcome {
  DeliveryResult result;
  // False when the connection is in no state to carry another transaction: broken,
  // or left in the middle of a message that must never end.
  bool reusable = true;
  // The first reply never came, or said the relay is closing (421): on a connection
  // kept from an earlier message that means the relay dropped it while idle, and the
  // message can go again on a new one.
  bool stale = false;
  bool abandoned = false;  // `may_end` said no: the relay never saw the end of the message
};

// `may_end` is asked once the message is written, before its end. `input` holds what was
// read from the connection and not yet used; it carries over between transactions on the
// same connection.
TransactionOutcome run_transaction(SmtpWire& wire, bool pipelining, const SmtpEnvelope& envelope,
                                   std::string_view mime, const Transport::EndGate& may_end,
                                   std::string& input);

// The message as DATA carries it up to its end: a dot doubled at the start of each line,
// and a last CRLF where it has none, so that "." CRLF ends it.
std::string dot_stuffed(std::string_view mime);

// The three-digit code opening an SMTP reply line, or 0.
int reply_code(std::string_view reply);

}  // namespace sg::mail
