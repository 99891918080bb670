#include "fake_smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace sg::mail::test_support {
namespace {

int bind_loopback() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot bind a loopback socket");
  return fd;
}

int port_of(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 20) > 0;
}

// A TLS context with a fresh self-signed certificate for "localhost".
std::shared_ptr<void> make_tls_context() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!key || !cert || ctx == nullptr) throw std::runtime_error("cannot make a TLS context");
  std::shared_ptr<void> context(ctx, [](void* c) { SSL_CTX_free(static_cast<SSL_CTX*>(c)); });
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1)
    throw std::runtime_error("cannot make a TLS certificate");
  return context;
}

std::string verb(const std::string& command) {
  std::string v = command.substr(0, command.find(' '));
  for (char& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

std::string default_answer(const std::string& command) {
  if (command == "<connect>") return "220 fake.test ESMTP";
  if (command == ".") return "250 2.0.0 Ok: queued as 1";
  std::string v = verb(command);
  if (v == "EHLO" || v == "HELO") return "250 fake.test";
  if (v == "MAIL" || v == "RCPT" || v == "RSET" || v == "NOOP") return "250 2.1.0 Ok";
  if (v == "DATA") return "354 End data with <CR><LF>.<CR><LF>";
  if (v == "QUIT") return "221 2.0.0 Bye";
  return "502 5.5.2 Error: command not recognized";
}

}  // namespace

struct FakeSmtpServer::Link {
  int fd;
  SSL* ssl = nullptr;

  ~Link() {
    if (ssl != nullptr) SSL_free(ssl);
    ::close(fd);
  }
  // Bytes TLS has decrypted but not handed out yet are ready without the socket.
  bool readable() const { return (ssl != nullptr && SSL_pending(ssl) > 0) || test_support::readable(fd); }
  ssize_t receive(char* into, size_t size) {
    return ssl != nullptr ? SSL_read(ssl, into, static_cast<int>(size)) : ::recv(fd, into, size, 0);
  }
  void send_all(const std::string& text) {
    std::string_view rest = text;
    while (!rest.empty()) {
      ssize_t n = ssl != nullptr ? SSL_write(ssl, rest.data(), static_cast<int>(rest.size()))
                                 : ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      rest.remove_prefix(static_cast<size_t>(n));
    }
  }
};

FakeSmtpServer::FakeSmtpServer(Reply reply, bool implicit_tls) : reply_(std::move(reply)) {
  if (implicit_tls) tls_ = make_tls_context();
  listen_fd_ = bind_loopback();
  ::listen(listen_fd_, 16);
  port_ = port_of(listen_fd_);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  stop_ = true;
  acceptor_.join();
  for (std::thread& session : sessions_) session.join();
  ::close(listen_fd_);
}

std::vector<std::string> FakeSmtpServer::commands() const {
  std::lock_guard lock(mutex_);
  return commands_;
}

std::vector<std::string> FakeSmtpServer::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

void FakeSmtpServer::accept_loop() {
  while (!stop_) {
    if (!readable(listen_fd_)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    sessions_.emplace_back([this, fd] { serve(fd); });
  }
}

std::string FakeSmtpServer::answer(const std::string& command) {
  std::string scripted = reply_ ? reply_(command) : "";
  return scripted.empty() ? default_answer(command) : scripted;
}

// Reads one CRLF-terminated line; false when the peer hung up or the server stops.
bool FakeSmtpServer::read_line(Link& link, std::string& buffer, std::string& line) {
  while (true) {
    std::size_t end = buffer.find("\r\n");
    if (end != std::string::npos) {
      line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return true;
    }
    if (stop_) return false;
    if (!link.readable()) continue;
    char chunk[4096];
    ssize_t n = link.receive(chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// Sends a reply unless told to stay silent; false when told to hang up.
bool FakeSmtpServer::respond(Link& link, const std::string& reply) {
  if (reply == "<close>") return false;
  if (reply != "<hang>") link.send_all(reply + "\r\n");
  return true;
}

void FakeSmtpServer::serve(int fd) {
  Link link{fd};
  if (tls_) {
    link.ssl = SSL_new(static_cast<SSL_CTX*>(tls_.get()));
    if (link.ssl == nullptr || SSL_set_fd(link.ssl, fd) != 1 || SSL_accept(link.ssl) != 1) return;
  }
  std::string buffer, line, held;
  bool open = respond(link, answer("<connect>"));
  while (open && read_line(link, buffer, line)) {
    {
      std::lock_guard lock(mutex_);
      commands_.push_back(line);
    }
    std::string reply = answer(line);
    if (hold_ && (verb(line) == "MAIL" || verb(line) == "RCPT")) {
      held += reply + "\r\n";
      continue;
    }
    link.send_all(held);
    held.clear();
    open = respond(link, reply) && verb(line) != "QUIT";
    if (open && verb(line) == "DATA" && reply.starts_with("354"))
      open = receive_message(link, buffer);
  }
}

// Reads data lines up to the lone "." and answers it; the message counts once accepted.
bool FakeSmtpServer::receive_message(Link& link, std::string& buffer) {
  std::string line, message;
  while (read_line(link, buffer, line)) {
    if (line != ".") {
      message += (line.starts_with(".") ? line.substr(1) : line) + "\r\n";
      continue;
    }
    std::string reply = answer(".");
    if (reply.starts_with("250")) {
      std::lock_guard lock(mutex_);
      messages_.push_back(message);
    }
    return respond(link, reply);
  }
  return false;
}

int unused_port() {
  int fd = bind_loopback();
  int port = port_of(fd);
  ::close(fd);
  return port;
}

}  // namespace sg::mail::test_support
