#include "smtp/reply.h"

namespace sg::smtp {
namespace {

// Control bytes would end or forge a reply line, and 8-bit bytes are not SMTP reply text.
std::string sanitised(const std::string& text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
    if (out.size() == kMaxReplyText) break;
  }
  return out;
}

}  // namespace

Reply reply(int code, std::string enhanced, std::string text) {
  return Reply{code, std::move(enhanced), {std::move(text)}};
}

std::string Reply::wire() const {
  std::string out;
  const std::string status = enhanced.empty() ? "" : enhanced + " ";
  const std::vector<std::string> text = lines.empty() ? std::vector<std::string>{""} : lines;
  for (size_t i = 0; i < text.size(); ++i) {
    out += std::to_string(code);
    out += i + 1 < text.size() ? '-' : ' ';
    out += status + sanitised(text[i]) + "\r\n";
  }
  return out;
}

}  // namespace sg::smtp
