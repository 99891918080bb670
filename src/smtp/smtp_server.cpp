#include "smtp/smtp_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <thread>
#include <vector>

namespace sg::smtp {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

Result<tcp::endpoint> parse_endpoint(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return Error::invalid("listen", "expected host:port, got \"" + text + "\"");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  unsigned long port = 0;
  try {
    port = std::stoul(text.substr(colon + 1));
  } catch (const std::exception&) {
    ec = asio::error::invalid_argument;
  }
  if (ec || port > 65535) return Error::invalid("listen", "expected an IP address and port, got \"" + text + "\"");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

}  // namespace

// The parts that live while serving: destroyed in reverse, so queued work goes before
// the sockets it refers to, and the sockets before their io_context.
struct Running {
  asio::io_context io;
  std::vector<tcp::acceptor> acceptors;  // [0] plain; [1] implicit TLS when configured
  asio::thread_pool workers;
  std::vector<std::thread> threads;
  explicit Running(int workers_count) : workers(static_cast<size_t>(workers_count)) {}
};

struct ServerState {
  ServerOptions options;
  Submission& submission;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::atomic<int> connections{0};
  std::unique_ptr<Running> running;

  ServerState(ServerOptions o, Submission& s) : options(std::move(o)), submission(s) {}
  Status load_certificate();
  Status bind(const std::string& address);
  void accept(tcp::acceptor& acceptor, bool implicit_tls);
};

namespace {

constexpr std::chrono::seconds kLinger{2};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerState& server, Running& running, tcp::socket socket, Peer peer)
      : server_(server),
        running_(running),
        stream_(std::move(socket), server.tls),
        timer_(stream_.get_executor()),
        session_(server.options.session, server.submission, std::move(peer)) {}
  ~Connection() { --server_.connections; }

  void start(bool implicit_tls) {
    if (!implicit_tls) return write(session_.greeting(), Session::Next::read);
    arm(Clock::now() + server_.options.command_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return self->close();
      self->tls_ = true;
      self->write(self->session_.greeting(), Session::Next::read);
    });
  }

 private:
  // The deadline of whatever the connection waits for; when it passes, the wait is
  // cancelled and the client told why, and if even that write stalls, the socket closes.
  void arm(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;  // re-armed or cancelled
      if (self->expired_) return self->close();
      self->expired_ = true;
      boost::system::error_code ignored;
      self->stream_.lowest_layer().cancel(ignored);
    });
  }

  Clock::time_point read_deadline() {
    if (!session_.in_data()) return command_deadline_;
    return std::min(data_deadline_, Clock::now() + server_.options.data_block_timeout);
  }

  void read() {
    arm(read_deadline());
    auto done = [self = shared_from_this()](boost::system::error_code ec, size_t n) { self->on_read(ec, n); };
    if (tls_) {
      stream_.async_read_some(asio::buffer(buffer_), done);
    } else {
      stream_.next_layer().async_read_some(asio::buffer(buffer_), done);
    }
  }

  void on_read(boost::system::error_code ec, size_t n) {
    if (expired_) return write(Session::timeout_reply(), Session::Next::close);
    if (ec) return close();
    timer_.cancel();  // a slow Submission call is not the client's delay
    bool was_in_data = session_.in_data();
    // The session may call Submission, which may block: off the I/O threads.
    asio::post(running_.workers, [self = shared_from_this(), n, was_in_data] {
      std::string out;
      Session::Next next = Session::Next::close;
      try {
        next = self->session_.feed(std::string_view(self->buffer_.data(), n), out);
      } catch (const std::exception& e) {
        // An exception escaping a pool thread would end the process: this connection
        // ends instead, and its client tries again later (RFC 5321 4.2.5).
        spdlog::error("SMTP submission failed: {}", e.what());
        out += Session::unavailable_reply();
      }
      asio::post(self->stream_.get_executor(), [self, out = std::move(out), next, was_in_data]() mutable {
        if (!was_in_data && self->session_.in_data())
          self->data_deadline_ = Clock::now() + self->server_.options.data_timeout;
        if (out.empty() && next == Session::Next::read) return self->read();
        self->write(std::move(out), next);
      });
    });
  }

  // Writes all replies so far, as RFC 2920 wants once the input read so far is used up.
  void write(std::string text, Session::Next next) {
    out_ = std::move(text);
    arm(Clock::now() + server_.options.command_timeout);
    auto done = [self = shared_from_this(), next](boost::system::error_code ec, size_t) { self->on_written(ec, next); };
    if (tls_) {
      asio::async_write(stream_, asio::buffer(out_), done);
    } else {
      asio::async_write(stream_.next_layer(), asio::buffer(out_), done);
    }
  }

  void on_written(boost::system::error_code ec, Session::Next next) {
    if (ec) return close();
    if (expired_ || next == Session::Next::close) return finish();
    command_deadline_ = Clock::now() + server_.options.command_timeout;
    if (next == Session::Next::read) return read();
    stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](boost::system::error_code e) {
      if (e || self->expired_) return self->close();
      self->tls_ = true;
      self->session_.tls_started();
      self->command_deadline_ = Clock::now() + self->server_.options.command_timeout;
      self->read();
    });
  }

  // After the last reply. Closing a socket that still has input unread, or that input
  // arrives at, resets the connection, and a reset can destroy the reply in the client's
  // buffer before the client reads it (a slow client still trickling, a pipelined
  // command). So the reply is followed by an end of stream, and whatever still comes is
  // read and dropped until the client closes or kLinger passes.
  void finish() {
    boost::system::error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_send, ignored);
    expired_ = true;  // the timer now closes instead of cancelling
    arm(Clock::now() + kLinger);
    drain();
  }

  void drain() {
    stream_.next_layer().async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                                      boost::system::error_code ec, size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    boost::system::error_code ignored;
    timer_.cancel();
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
  }

  ServerState& server_;
  Running& running_;
  asio::ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  Session session_;
  bool tls_ = false;
  bool expired_ = false;
  Clock::time_point command_deadline_ = Clock::now();
  Clock::time_point data_deadline_ = Clock::now();
  std::array<char, 64 * 1024> buffer_{};
  std::string out_;
};

// The connection over the cap gets one reply and is closed; a client that does not read
// it cannot hold the socket, since the write gets its own deadline.
void turn_away(tcp::socket socket) {
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  auto timer = std::make_shared<asio::steady_timer>(s->get_executor(), std::chrono::seconds(10));
  auto text = std::make_shared<std::string>(Session::busy_reply());
  timer->async_wait([s](boost::system::error_code ec) {
    boost::system::error_code ignored;
    if (!ec) s->close(ignored);
  });
  asio::async_write(*s, asio::buffer(*text), [s, timer, text](boost::system::error_code, size_t) {
    boost::system::error_code ignored;
    timer->cancel();
    s->shutdown(tcp::socket::shutdown_both, ignored);
    s->close(ignored);
  });
}

}  // namespace

Status ServerState::load_certificate() {
  options.session.starttls_available = !options.cert_file.empty();
  if (options.cert_file.empty()) {
    if (!options.tls_listen.empty()) return Error::make(errc::config_error, "implicit TLS needs a certificate and key");
    return {};
  }
  boost::system::error_code ec;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.use_certificate_chain_file(options.cert_file, ec);
  if (ec) return Error::make(errc::config_error, "cannot read the TLS certificate " + options.cert_file + ": " + ec.message());
  tls.use_private_key_file(options.key_file, asio::ssl::context::pem, ec);
  if (ec) return Error::make(errc::config_error, "cannot read the TLS key " + options.key_file + ": " + ec.message());
  return {};
}

Status ServerState::bind(const std::string& address) {
  auto endpoint = parse_endpoint(address);
  if (!endpoint) return endpoint.error();
  tcp::acceptor acceptor(running->io);
  boost::system::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error::make(errc::config_error, "cannot listen for SMTP on " + address + ": " + ec.message());
  running->acceptors.push_back(std::move(acceptor));
  return {};
}

void ServerState::accept(tcp::acceptor& acceptor, bool implicit_tls) {
  acceptor.async_accept(asio::make_strand(running->io), [this, &acceptor, implicit_tls](boost::system::error_code ec,
                                                                                      tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      boost::system::error_code peer_ec;
      auto remote = socket.remote_endpoint(peer_ec);
      if (peer_ec) {
        // Gone before we looked: nothing to serve.
      } else if (++connections > options.max_connections) {
        --connections;
        turn_away(std::move(socket));
      } else {
        Peer peer{remote.address().to_string(), options.trust_loopback && is_loopback(remote.address()), implicit_tls};
        std::make_shared<Connection>(*this, *running, std::move(socket), std::move(peer))->start(implicit_tls);
      }
    }
    accept(acceptor, implicit_tls);
  });
}

struct SmtpServer::Impl : ServerState {
  using ServerState::ServerState;
};

SmtpServer::SmtpServer(ServerOptions options, Submission& submission)
    : impl_(std::make_unique<Impl>(std::move(options), submission)) {}

SmtpServer::~SmtpServer() { stop(); }

Status SmtpServer::listen() {
  if (auto loaded = impl_->load_certificate(); !loaded) return loaded;
  impl_->running = std::make_unique<Running>(impl_->options.worker_threads);
  if (auto bound = impl_->bind(impl_->options.listen); !bound) return bound;
  if (!impl_->options.tls_listen.empty()) return impl_->bind(impl_->options.tls_listen);
  return {};
}

unsigned short SmtpServer::port() const { return impl_->running->acceptors.at(0).local_endpoint().port(); }

unsigned short SmtpServer::tls_port() const {
  auto& acceptors = impl_->running->acceptors;
  return acceptors.size() > 1 ? acceptors[1].local_endpoint().port() : 0;
}

void SmtpServer::start() {
  Running& running = *impl_->running;
  for (size_t i = 0; i < running.acceptors.size(); ++i) impl_->accept(running.acceptors[i], i == 1);
  for (int i = 0; i < impl_->options.io_threads; ++i) running.threads.emplace_back([&running] { running.io.run(); });
  spdlog::info("SMTP submission listening on {}{}", impl_->options.listen,
               impl_->options.tls_listen.empty() ? "" : " and " + impl_->options.tls_listen + " (TLS)");
}

void SmtpServer::stop() {
  if (!impl_->running) return;
  Running& running = *impl_->running;
  running.io.stop();
  for (auto& t : running.threads) t.join();
  running.workers.stop();  // work not yet started is dropped; a Submission call under way finishes
  running.workers.join();
  impl_->running.reset();  // closes the listeners and every connection
}

}  // namespace sg::smtp
