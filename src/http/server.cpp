// The only translation unit that instantiates Boost.Beast.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <thread>

namespace sg::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);

std::string json_error(const char* code, const char* message) {
  return std::string(R"({"error":{"code":")") + code + R"(","message":")" + message + "\"}}";
}

// Splits the target into a decoded path and query parameters; false when malformed.
bool parse_target(std::string_view target, Request& out) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  out.path = url->path();
  for (auto p : url->params()) out.query[p.key] = p.value;
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, asio::thread_pool& pool, const Handler& handler, const ServerOptions& options)
      : stream_(std::move(socket)), pool_(pool), handler_(handler), options_(options) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    stream_.expires_after(kIdleTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof)
      return close();
    if (ec == bhttp::error::body_limit)
      return reply_plain(413, json_error("payload_too_large", "the request body is too large"), false);
    if (ec) return reply_plain(400, json_error("invalid_request", "malformed HTTP request"), false);

    auto req = std::make_shared<Request>();
    auto& raw = parser_->get();
    req->method = std::string(raw.method_string());
    if (!parse_target(raw.target(), *req))
      return reply_plain(400, json_error("invalid_request", "malformed request target"), raw.keep_alive());
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req->headers[name] = std::string(field.value());
    }
    req->body = std::move(raw.body());
    beast::error_code peer_ec;
    auto peer = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) req->peer = peer.address().to_string();
    bool keep_alive = raw.keep_alive();
    unsigned version = raw.version();
    const auto& inline_paths = options_.inline_paths;
    if (std::find(inline_paths.begin(), inline_paths.end(), req->path) != inline_paths.end())
      return write(run_handler(*req), keep_alive, version);
    // Handlers may block; run them off the I/O threads and come back to write.
    asio::post(pool_, [self = shared_from_this(), req, keep_alive, version] {
      HandlerLoad* load = self->options_.load;
      if (load) load->enter();
      Response res = self->run_handler(*req);
      if (load) load->leave();
      asio::post(self->stream_.get_executor(), [self, res = std::move(res), keep_alive, version] {
        self->write(res, keep_alive, version);
      });
    });
  }

  Response run_handler(Request& req) {
    try {
      return handler_(req);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
      return Response{500, "application/json", json_error("internal_error", "internal server error"), {}};
    }
  }

  void reply_plain(int status, std::string body, bool keep_alive) {
    write(Response{status, "application/json", std::move(body), {}}, keep_alive, 11);
  }

  void write(const Response& res, bool keep_alive, unsigned version) {
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(res.status), version);
    msg->set(bhttp::field::server, "sendguard");
    msg->set(bhttp::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) msg->set(name, value);
    msg->body() = res.body;
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    stream_.expires_after(kIdleTimeout);
    bhttp::async_write(stream_, *msg,
                       [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
                         if (ec || !keep_alive) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  asio::thread_pool& pool_;
  const Handler& handler_;
  const ServerOptions& options_;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{asio::make_strand(io)};
  asio::thread_pool pool;

  Impl(ServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), pool(static_cast<size_t>(options.handler_threads)) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), pool, handler, options)->start();
      accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  stop();
  impl_->pool.join();
}

Status Server::listen() {
  beast::error_code ec;
  const std::string& host = impl_->options.host;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Error{"config_error", "invalid listen address " + impl_->options.host, {}, {}};
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error{"config_error", "cannot listen on " + impl_->options.host + ":" +
                                     std::to_string(impl_->options.port) + ": " + ec.message(), {}, {}};
  return Status::success();
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.io_threads; ++i) threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : threads) t.join();
}

void Server::stop() { impl_->io.stop(); }

}  // namespace sg::http
