#include "smtp/message_reader.h"

namespace sg::smtp {

size_t MessageReader::feed(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && !done_) {
    char c = bytes[i++];
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') {
        end_line(true);
        continue;
      }
      bare_ = true;  // a CR not followed by LF; the CR itself is dropped with the message
    }
    if (c == '\r') {
      after_cr_ = true;
    } else if (c == '\n') {
      bare_ = true;
      end_line(false);
    } else {
      if (c == '\0') nul_ = true;
      if (line_.size() + 2 < kMaxLineOctets) {
        line_ += c;
      } else {
        line_overflow_ = true;  // past 1000 octets with the CRLF: the line is not kept
      }
    }
  }
  return i;
}

void MessageReader::end_line(bool crlf) {
  if (crlf && line_ == "." && !line_overflow_) {
    done_ = true;
    return;
  }
  if (line_overflow_) long_line_ = true;
  std::string_view text = line_;
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);  // dot-unstuffing
  if (!too_big_ && message_.size() + text.size() + 2 <= max_bytes_) {
    message_.append(text).append("\r\n");
  } else if (!too_big_) {
    too_big_ = true;
    std::string().swap(message_);  // give the memory back at once
  }
  line_.clear();
  line_overflow_ = false;
}

std::optional<MessageReader::Fault> MessageReader::fault() const {
  if (too_big_) return Fault::too_big;
  if (nul_) return Fault::nul_byte;
  if (bare_) return Fault::bare_line_end;
  if (long_line_) return Fault::line_too_long;
  return std::nullopt;
}

}  // namespace sg::smtp
