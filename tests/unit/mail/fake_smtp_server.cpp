#include "fake_smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

void send_all(int fd, const std::string& text) {
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
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

FakeSmtpServer::FakeSmtpServer(Reply reply) : reply_(std::move(reply)) {
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
bool FakeSmtpServer::read_line(int fd, std::string& buffer, std::string& line) {
  while (true) {
    std::size_t end = buffer.find("\r\n");
    if (end != std::string::npos) {
      line = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      return true;
    }
    if (stop_) return false;
    if (!readable(fd)) continue;
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// Sends a reply unless told to stay silent; false when told to hang up.
bool FakeSmtpServer::respond(int fd, const std::string& reply) {
  if (reply == "<close>") return false;
  if (reply != "<hang>") send_all(fd, reply + "\r\n");
  return true;
}

void FakeSmtpServer::serve(int fd) {
  std::string buffer, line, held;
  bool open = respond(fd, answer("<connect>"));
  while (open && read_line(fd, buffer, line)) {
    {
      std::lock_guard lock(mutex_);
      commands_.push_back(line);
    }
    std::string reply = answer(line);
    if (hold_ && (verb(line) == "MAIL" || verb(line) == "RCPT")) {
      held += reply + "\r\n";
      continue;
    }
    send_all(fd, held);
    held.clear();
    open = respond(fd, reply) && verb(line) != "QUIT";
    if (open && verb(line) == "DATA" && reply.starts_with("354"))
      open = receive_message(fd, buffer);
  }
  ::close(fd);
}

// Reads data lines up to the lone "." and answers it; the message counts once accepted.
bool FakeSmtpServer::receive_message(int fd, std::string& buffer) {
  std::string line, message;
  while (read_line(fd, buffer, line)) {
    if (line != ".") {
      message += (line.starts_with(".") ? line.substr(1) : line) + "\r\n";
      continue;
    }
    std::string reply = answer(".");
    if (reply.starts_with("250")) {
      std::lock_guard lock(mutex_);
      messages_.push_back(message);
    }
    return respond(fd, reply);
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
