// MessageReader: the DATA phase of one message (RFC 5321 4.1.1.4), fed bytes as they
// arrive. It finds the CRLF.CRLF terminator, undoes dot-stuffing (4.5.2), and keeps at
// most max_bytes of message: past that it only counts and looks for the terminator, so a
// 100 MB message costs no more memory than the limit.
//
// A message that breaks the rules is read to its end and then refused as a whole, never
// handed on in part: a bare LF or CR (2.3.8), a NUL byte, or a line over 1000 octets with
// its CRLF (4.5.3.1.6). Not thread-safe; one per message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sg::smtp {

class MessageReader {
 public:
  static constexpr size_t kMaxLineOctets = 1000;  // text line including CRLF (RFC 5321 4.5.3.1.6)

  explicit MessageReader(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Consumes bytes up to and including the terminator; returns how many it consumed.
  size_t feed(std::string_view bytes);
  bool done() const { return done_; }

  // Once done: nullopt for a good message, else what is wrong with it.
  enum class Fault { too_big, nul_byte, bare_line_end, line_too_long };
  std::optional<Fault> fault() const;
  // The message with CRLF line ends, dot-unstuffed, without the terminator.
  std::string take_message() { return std::move(message_); }

 private:
  void end_line(bool crlf);

  const size_t max_bytes_;
  std::string line_;          // the line being read, without its line end; bounded by kMaxLineOctets
  bool line_overflow_ = false;
  bool after_cr_ = false;     // the last byte was a CR not yet known to start a CRLF
  std::string message_;
  bool too_big_ = false, nul_ = false, bare_ = false, long_line_ = false;
  bool done_ = false;
};

}  // namespace sg::smtp
