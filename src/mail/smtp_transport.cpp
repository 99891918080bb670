#include "mail/smtp_transport.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "mail/smtp_transaction.h"

namespace sg::mail {
namespace {

// What libcurl reports while it connects, greets, upgrades to TLS and logs in.
struct ConnectLog {
  std::string last_reply;  // the relay's latest reply line, QUIT's answer left out
  bool quit_sent = false;
  bool in_ehlo = false;     // the replies now read answer EHLO
  bool pipelining = false;  // the latest EHLO's reply offered PIPELINING
  char error[CURL_ERROR_SIZE] = {};
};

// "250-PIPELINING" or "250 PIPELINING", in any case.
bool offers_pipelining(std::string_view reply_line) {
  constexpr std::string_view kKeyword = "PIPELINING";
  if (reply_line.size() < 4) return false;
  std::string_view keyword = reply_line.substr(4);
  keyword = keyword.substr(0, keyword.find(' '));
  return std::equal(keyword.begin(), keyword.end(), kKeyword.begin(), kKeyword.end(),
                    [](char a, char b) { return (a & ~0x20) == b; });
}

// libcurl hands the relay's replies to the debug callback only; its errors name just the
// code. After a failure libcurl sends QUIT, and the "221" answer (which also overwrites
// CURLINFO_RESPONSE_CODE) must not hide the reply that failed the connection.
int record_reply(CURL*, curl_infotype type, char* data, size_t size, void* userdata) {
  auto* log = static_cast<ConnectLog*>(userdata);
  std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    log->quit_sent = text.starts_with("QUIT");
    log->in_ehlo = text.starts_with("EHLO");
    if (log->in_ehlo) log->pipelining = false;
  }
  if (type != CURLINFO_HEADER_IN) return 0;
  bool answers_quit = log->quit_sent && text.starts_with("221");
  log->quit_sent = false;
  if (answers_quit) return 0;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  // One call may carry several lines of a multi-line reply; the last is the one kept.
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (log->in_ehlo && offers_pipelining(line)) log->pipelining = true;
    log->last_reply = std::string(line);
    start = end + 1;
  }
  return 0;
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

Millis time_left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::ceil<Millis>(deadline - std::chrono::steady_clock::now());
  return std::max(left, Millis(0));
}

// CONNECT_ONLY: libcurl stops once it has greeted, upgraded and logged in, and leaves
// the connection to curl_easy_send and curl_easy_recv.
CURLcode configure(CURL* h, const SmtpUrl& url, const SmtpOptions& options, ConnectLog& log,
                   Millis time_left) {
  Setter s(h);
  s.set(CURLOPT_URL, url.endpoint().c_str())
      .set(CURLOPT_CONNECT_ONLY, 1L)
      .set(CURLOPT_NOSIGNAL, 1L)
      .set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()))
      .set(CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(time_left, Millis(1)).count()))
      .set(CURLOPT_SSL_VERIFYPEER, options.verify_tls_peer ? 1L : 0L)
      .set(CURLOPT_SSL_VERIFYHOST, options.verify_tls_peer ? 2L : 0L)
      .set(CURLOPT_ERRORBUFFER, log.error)
      .set(CURLOPT_VERBOSE, 1L)  // the debug callback sees replies only in verbose mode
      .set(CURLOPT_DEBUGFUNCTION, &record_reply)
      .set(CURLOPT_DEBUGDATA, &log);
  if (!url.implicit_tls)
    s.set(CURLOPT_USE_SSL, options.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!url.user.empty())
    s.set(CURLOPT_USERNAME, url.user.c_str()).set(CURLOPT_PASSWORD, url.password.c_str());
  return s.result();
}

DeliveryResult connect_failure(CURLcode code, const ConnectLog& log) {
  std::string error = log.error[0] != '\0' ? log.error : curl_easy_strerror(code);
  int relay_code = reply_code(log.last_reply);
  std::string detail = relay_code >= 400 ? log.last_reply + " (" + error + ")" : error;
  // A refused login is the relay's configuration, not the message's fault: once fixed,
  // the message must still go, so it stays temporary like any other relay outage.
  bool permanent = code != CURLE_LOGIN_DENIED && relay_code >= 500 && relay_code < 600;
  return {permanent ? DeliveryStatus::PermanentFailure : DeliveryStatus::TemporaryFailure,
          std::move(detail)};
}

}  // namespace

// One relay connection: a CONNECT_ONLY curl handle and what the relay said so far.
struct SmtpTransport::Connection {
  ConnectLog log;
  std::string input;  // read from the relay, not yet used
  curl_socket_t socket = CURL_SOCKET_BAD;
  // False once the connection may sit in the middle of a transaction: closing it then
  // must not send QUIT, which the relay would take as a line of the message.
  bool healthy = true;
  CURL* handle = curl_easy_init();

  ~Connection() {
    if (!healthy && socket != CURL_SOCKET_BAD) ::shutdown(socket, SHUT_RDWR);
    curl_easy_cleanup(handle);
  }
};

namespace {

// The transaction's byte stream over a connection, bounded by the delivery's deadline.
class CurlWire final : public SmtpWire {
 public:
  CurlWire(CURL* handle, curl_socket_t socket, std::chrono::steady_clock::time_point deadline)
      : handle_(handle), socket_(socket), deadline_(deadline) {}

  std::optional<std::string> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      size_t sent = 0;
      CURLcode code = curl_easy_send(handle_, bytes.data(), bytes.size(), &sent);
      if (code == CURLE_AGAIN) {
        if (std::optional<std::string> failed = wait(POLLOUT)) return failed;
        continue;
      }
      if (code != CURLE_OK) return std::string("sending to the relay failed: ") + curl_easy_strerror(code);
      bytes.remove_prefix(sent);
    }
    return std::nullopt;
  }

  std::optional<std::string> read(std::string& into) override {
    while (true) {
      char chunk[4096];
      size_t got = 0;
      CURLcode code = curl_easy_recv(handle_, chunk, sizeof chunk, &got);
      if (code == CURLE_AGAIN) {
        if (std::optional<std::string> failed = wait(POLLIN)) return failed;
        continue;
      }
      if (code != CURLE_OK) return std::string("reading from the relay failed: ") + curl_easy_strerror(code);
      if (got == 0) return std::string("the relay closed the connection");
      into.append(chunk, got);
      return std::nullopt;
    }
  }

 private:
  std::optional<std::string> wait(short events) {
    while (true) {
      Millis left = time_left(deadline_);
      pollfd ready{socket_, events, 0};
      int n = left.count() > 0 ? ::poll(&ready, 1, static_cast<int>(left.count())) : 0;
      if (n > 0) return std::nullopt;
      if (n == 0) return std::string("timed out waiting for the relay");
      if (errno != EINTR) return std::string("waiting for the relay failed: ") + std::strerror(errno);
    }
  }

  CURL* handle_;
  curl_socket_t socket_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace

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

DeliveryResult SmtpTransport::send(const SmtpEnvelope& envelope, std::string_view mime, const EndGate& gate) {
  if (std::optional<DeliveryResult> bad = check_envelope(envelope)) return *bad;
  Deadline deadline = std::chrono::steady_clock::now() + options_.total_timeout;
  std::unique_ptr<Connection> connection = take_idle();
  bool kept = connection != nullptr;
  while (true) {
    DeliveryResult failure;
    if (!connection) connection = connect(deadline, failure);
    if (!connection) return failure;
    CurlWire wire(connection->handle, connection->socket, deadline);
    TransactionOutcome outcome =
        run_transaction(wire, connection->log.pipelining, envelope, mime,
                        [&] { return may_end(gate); }, connection->input);
    connection->healthy = outcome.reusable;
    if (outcome.reusable) keep_idle(std::move(connection));
    connection.reset();
    if (outcome.stale && kept) {
      kept = false;
      continue;
    }
    return outcome.abandoned ? abandoned() : outcome.result;
  }
}

std::unique_ptr<SmtpTransport::Connection> SmtpTransport::connect(Deadline deadline,
                                                                  DeliveryResult& failure) const {
  auto connection = std::make_unique<Connection>();
  CURL* h = connection->handle;
  if (h == nullptr) {
    failure = {DeliveryStatus::TemporaryFailure, "out of memory preparing the SMTP connection"};
    return nullptr;
  }
  CURLcode code = configure(h, url_, options_, connection->log, time_left(deadline));
  if (code == CURLE_OK) code = curl_easy_perform(h);
  if (code == CURLE_OK) code = curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &connection->socket);
  if (code != CURLE_OK) {
    failure = connect_failure(code, connection->log);
    return nullptr;
  }
  // Verbose only served to read the relay's replies while connecting.
  curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
  return connection;
}

std::unique_ptr<SmtpTransport::Connection> SmtpTransport::take_idle() {
  std::lock_guard lock(mutex_);
  if (idle_.empty()) return nullptr;
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

// A connection the pool has no room for closes once the lock is released: parameters
// outlive the function's locals.
void SmtpTransport::keep_idle(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

}  // namespace sg::mail
