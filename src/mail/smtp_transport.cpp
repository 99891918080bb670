#include "mail/smtp_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <string>

namespace sg::mail {
namespace {

// What one delivery's callbacks write to; lives on the delivering thread's stack.
struct Transfer {
  std::string_view mime;
  std::size_t sent = 0;
  std::function<bool()> may_end;  // asked before the end of data; false aborts
  bool end_asked = false;
  bool abandoned = false;
  std::string last_reply;  // the relay's latest reply line, QUIT's answer left out
  bool quit_sent = false;
  char error[CURL_ERROR_SIZE] = {};
};

using RecipientList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

size_t read_mime(char* buffer, size_t size, size_t count, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = std::min(size * count, t->mime.size() - t->sent);
  // Asked before the last bytes go: libcurl knows the size and sends the final "." once it
  // has them, without calling again. Aborted, the transaction never ends and the relay
  // discards what it got.
  if (n == t->mime.size() - t->sent && !t->end_asked) {
    t->end_asked = true;
    if (t->may_end && !t->may_end()) {
      t->abandoned = true;
      return CURL_READFUNC_ABORT;
    }
  }
  std::memcpy(buffer, t->mime.data() + t->sent, n);
  t->sent += n;
  return n;
}

// libcurl hands the relay's replies to the debug callback only; its errors name just the
// code. After a failure libcurl sends QUIT, and the "221" answer (which also overwrites
// CURLINFO_RESPONSE_CODE) must not hide the reply that failed the transaction.
int record_reply(CURL*, curl_infotype type, char* data, size_t size, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) t->quit_sent = text.starts_with("QUIT");
  if (type != CURLINFO_HEADER_IN) return 0;
  bool answers_quit = t->quit_sent && text.starts_with("221");
  t->quit_sent = false;
  if (answers_quit) return 0;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  std::size_t line_start = text.rfind('\n');  // of a multi-line reply, keep the last line
  text.remove_prefix(line_start == std::string_view::npos ? 0 : line_start + 1);
  t->last_reply = std::string(text);
  return 0;
}

// The three-digit code opening an SMTP reply line, or 0.
int reply_code(std::string_view reply) {
  bool coded = reply.size() >= 3 && std::all_of(reply.begin(), reply.begin() + 3,
                                                [](char c) { return c >= '0' && c <= '9'; });
  return coded ? (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0') : 0;
}

// Applies options in order and keeps the first failure, so none goes unchecked.
class Setter {
 public:
  explicit Setter(CURL* handle) : handle_(handle) {}
  template <class T>
  Setter& set(CURLoption option, T value) {
    if (result_ == CURLE_OK) result_ = curl_easy_setopt(handle_, option, value);
    return *this;
  }
  CURLcode result() const { return result_; }

 private:
  CURL* handle_;
  CURLcode result_ = CURLE_OK;
};

// An address reaches the relay inside "MAIL FROM:<...>" / "RCPT TO:<...>" lines.
bool valid_envelope_address(std::string_view address) {
  return std::all_of(address.begin(), address.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E && c != '<' && c != '>'; });
}

std::optional<DeliveryResult> check_envelope(const SmtpEnvelope& envelope) {
  if (envelope.rcpt_to.empty())
    return DeliveryResult{DeliveryStatus::PermanentFailure, "no recipients"};
  if (!valid_envelope_address(envelope.mail_from))
    return DeliveryResult{DeliveryStatus::PermanentFailure, "invalid envelope sender"};
  for (const std::string& rcpt : envelope.rcpt_to)
    if (rcpt.empty() || !valid_envelope_address(rcpt))
      return DeliveryResult{DeliveryStatus::PermanentFailure, "invalid envelope recipient"};
  return std::nullopt;
}

RecipientList recipient_list(const SmtpEnvelope& envelope) {
  RecipientList list(nullptr, &curl_slist_free_all);
  for (const std::string& rcpt : envelope.rcpt_to) {
    curl_slist* grown = curl_slist_append(list.get(), ("<" + rcpt + ">").c_str());
    if (grown == nullptr) return RecipientList(nullptr, &curl_slist_free_all);
    list.release();
    list.reset(grown);
  }
  return list;
}

CURLcode configure(CURL* h, const SmtpUrl& url, const SmtpOptions& options, Transfer& t,
                   const std::string& mail_from, curl_slist* recipients) {
  Setter s(h);
  s.set(CURLOPT_URL, url.endpoint().c_str())
      .set(CURLOPT_NOSIGNAL, 1L)
      .set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()))
      .set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()))
      .set(CURLOPT_SSL_VERIFYPEER, options.verify_tls_peer ? 1L : 0L)
      .set(CURLOPT_SSL_VERIFYHOST, options.verify_tls_peer ? 2L : 0L)
      .set(CURLOPT_MAIL_FROM, mail_from.c_str())
      .set(CURLOPT_MAIL_RCPT, recipients)
      .set(CURLOPT_UPLOAD, 1L)
      .set(CURLOPT_READFUNCTION, &read_mime)
      .set(CURLOPT_READDATA, &t)
      .set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t.mime.size()))
      .set(CURLOPT_ERRORBUFFER, t.error)
      .set(CURLOPT_VERBOSE, 1L)  // the debug callback sees replies only in verbose mode
      .set(CURLOPT_DEBUGFUNCTION, &record_reply)
      .set(CURLOPT_DEBUGDATA, &t);
  if (!url.implicit_tls)
    s.set(CURLOPT_USE_SSL, options.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!url.user.empty())
    s.set(CURLOPT_USERNAME, url.user.c_str()).set(CURLOPT_PASSWORD, url.password.c_str());
  return s.result();
}

DeliveryResult classify(CURLcode code, const Transfer& t) {
  if (code == CURLE_OK)
    return {DeliveryStatus::Delivered, t.last_reply.empty() ? "250" : t.last_reply};
  std::string error = t.error[0] != '\0' ? t.error : curl_easy_strerror(code);
  int relay_code = reply_code(t.last_reply);
  std::string detail = relay_code >= 400 ? t.last_reply + " (" + error + ")" : error;
  // A refused login is the relay's configuration, not the message's fault: once fixed,
  // the message must still go, so it stays temporary like any other relay outage.
  bool permanent = code != CURLE_LOGIN_DENIED && relay_code >= 500 && relay_code < 600;
  return {permanent ? DeliveryStatus::PermanentFailure : DeliveryStatus::TemporaryFailure,
          std::move(detail)};
}

}  // namespace

void SmtpTransport::HandleDeleter::operator()(void* handle) const { curl_easy_cleanup(handle); }

Result<std::unique_ptr<SmtpTransport>> SmtpTransport::create(std::string_view url,
                                                             SmtpOptions options) {
  Result<SmtpUrl> parsed = parse_smtp_url(url);
  if (!parsed) return parsed.error();
  return std::make_unique<SmtpTransport>(std::move(*parsed), options);
}

SmtpTransport::SmtpTransport(SmtpUrl url, SmtpOptions options)
    : url_(std::move(url)), options_(options) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SmtpTransport::~SmtpTransport() = default;

DeliveryResult SmtpTransport::send(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& may_end) {
  if (std::optional<DeliveryResult> bad = check_envelope(envelope)) return *bad;
  RecipientList recipients = recipient_list(envelope);
  Handle handle = acquire();
  if (!recipients || !handle)
    return {DeliveryStatus::TemporaryFailure, "out of memory preparing the SMTP transaction"};
  Transfer transfer;
  transfer.mime = mime;
  transfer.may_end = may_end;
  std::string mail_from = "<" + envelope.mail_from + ">";
  CURLcode code = configure(handle.get(), url_, options_, transfer, mail_from, recipients.get());
  if (code == CURLE_OK) code = curl_easy_perform(handle.get());
  // The handle must not keep pointers into this frame once it goes back to the pool.
  curl_easy_reset(handle.get());
  release(std::move(handle));
  if (transfer.abandoned) return abandoned();
  return classify(code, transfer);
}

SmtpTransport::Handle SmtpTransport::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Handle handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return Handle(curl_easy_init());
}

void SmtpTransport::release(Handle handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(handle));
}

}  // namespace sg::mail
