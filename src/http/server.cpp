// The only translation unit that instantiates Boost.Beast.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <thread>

#include "core/utf8.h"
#include "core/worker_pool.h"
#include "http/errors.h"
#include "http/response_head.h"

namespace sg::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
// A connection's socket and timer are bound to its thread's io_context by type: the
// type-erased any_io_executor that beast::tcp_stream carries costs a copy per operation.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Clock = std::chrono::steady_clock;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);
// Near the connection cap idle keep-alive connections make room sooner.
constexpr auto kCrowdedIdleTimeout = std::chrono::seconds(5);
constexpr auto kBodyTimeout = std::chrono::minutes(5);  // a large import over a slow link
// After an early refusal the client may still be sending; reading it away for a moment
// keeps the kernel from resetting the connection before the client read our answer.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
// accept() errors such as EMFILE repeat until a descriptor frees up: wait, don't spin.
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(50);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(500);
// How long a request may wait for a busy handler thread before a sleeping one takes it:
// long enough that short requests queue rather than wake threads, short enough that a
// handler blocked on Marketo or a lock costs the requests behind it only this.
constexpr auto kHandlerGrace = std::chrono::milliseconds(1);

std::string json_error(std::string_view code, const char* message) {
  return error_response(Error::make(code, message)).body;
}

// Splits the target into a decoded path and query parameters; on failure the message to answer.
std::optional<const char*> parse_target(std::string_view target, Request& out) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return "malformed request target";
  out.path = url->path();
  // Decoded text is stored and echoed (errors name the path), so it must be UTF-8.
  if (!is_valid_utf8(out.path)) return "the request path is not valid UTF-8";
  for (auto p : url->params()) {
    if (!is_valid_utf8(p.key) || !is_valid_utf8(p.value)) return "a query parameter is not valid UTF-8";
    out.query[p.key] = p.value;
  }
  return std::nullopt;
}

// A string body that grows with the bytes that arrive, each chunk charged to the
// server-wide budget first. Beast's string_body reserves the declared Content-Length at
// the first body byte, so a request promising 64 MB and sending one byte would cost 64 MB;
// charging what was declared instead would let idle promises starve every other request.
struct ArrivingBody {
  struct value_type {
    std::string text;
    std::function<bool(size_t)> charge;  // false: the budget is spent
  };
  static std::uint64_t size(const value_type& body) { return body.text.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}
    void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      size_t n = beast::buffer_bytes(buffers);
      if (body_.charge && !body_.charge(n)) {
        ec = asio::error::no_buffer_space;
        return 0;
      }
      for (auto b : beast::buffers_range_ref(buffers)) body_.text.append(static_cast<const char*>(b.data()), b.size());
      ec = {};
      return n;
    }
    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

// What every connection shares: the options, the handlers, the worker pool and the counters
// behind the server-wide caps.
struct Shared {
  ServerOptions options;
  Handler handler;
  LargeBodyCheck admit_large_body;
  QuickHandler answer_now;
  WorkerPool pool;
  std::atomic<int> connections{0};
  std::atomic<size_t> inflight_body_bytes{0};
  std::atomic<int> queued_requests{0};

  Shared(ServerOptions o, Handler h, LargeBodyCheck admit, QuickHandler quick)
      : options(std::move(o)),
        handler(std::move(h)),
        admit_large_body(std::move(admit)),
        answer_now(std::move(quick)),
        pool(static_cast<size_t>(options.handler_threads), running_handlers(options), kHandlerGrace, log_escaped) {}

  static size_t running_handlers(const ServerOptions& o) {
    return o.running_handlers > 0 ? static_cast<size_t>(o.running_handlers)
                                  : std::max(std::thread::hardware_concurrency(), 2u);
  }
  static void log_escaped(const std::exception* e) {
    spdlog::error("worker thread: {}", e ? e->what() : "unknown exception");
  }

  bool crowded() const { return connections.load() * 4 >= options.max_connections * 3; }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Shared& shared)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), shared_(shared) {
    ++shared_.connections;
    // Once per connection: a system call per request would cost as much as a handler.
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) peer_ = peer.address().to_string();
  }
  ~Session() {
    release_body_budget();
    --shared_.connections;
  }

  void start() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

 private:
  const ServerOptions& options() const { return shared_.options; }

  // The deadline of the read or write under way. Moving it later only stores the time: the
  // timer, when it fires, sleeps again until the stored deadline, so a request costs no
  // timer operation. A deadline earlier than the armed one arms the timer anew.
  void expire_after(Clock::duration timeout) {
    deadline_ = Clock::now() + timeout;
    if (!timer_armed_ || timer_.expiry() > deadline_) arm_timer();
  }
  // While a handler runs no read or write is under way, and nothing may time out.
  void expire_never() { deadline_ = Clock::time_point::max(); }

  void arm_timer() {
    timer_armed_ = true;
    timer_.expires_at(deadline_);
    // Weak: a connection that is done must not wait for its timer to go.
    timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self || ec == asio::error::operation_aborted) return;  // gone, or armed anew
      self->on_timer();
    });
  }
  void on_timer() {
    timer_armed_ = false;
    if (deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) return arm_timer();
    timed_out_ = true;
    beast::error_code ec;
    socket_.close(ec);  // the pending operation ends with an error, and the connection with it
  }

  // End of the conversation: the client closed, or it was too slow.
  bool ended(const beast::error_code& ec) const {
    return timed_out_ || ec == bhttp::error::end_of_stream || ec == asio::error::eof;
  }

  void read_header() {
    release_body_budget();
    parser_.emplace();
    // Nothing may ever be larger than this; a Content-Length above it fails the header.
    parser_->body_limit(options().max_large_body_bytes);
    expire_after(shared_.crowded() ? kCrowdedIdleTimeout : kIdleTimeout);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ended(ec)) return close();
    if (ec == bhttp::error::body_limit) return refuse_too_large();
    if (ec) return refuse(400, json_error(errc::invalid_request, "malformed HTTP request"));

    auto req = std::make_shared<Request>();
    auto& raw = parser_->get();
    req->method = std::string(raw.method_string());
    if (auto problem = parse_target(raw.target(), *req)) {
      return refuse(400, json_error(errc::invalid_request, *problem));
    }
    for (const auto& field : raw) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req->headers[name] = std::string(field.value());
    }
    req->peer = peer_;

    const auto& large_paths = options().large_body_paths;
    bool large_path = std::find(large_paths.begin(), large_paths.end(), req->path) != large_paths.end();
    if (!large_path || !may_exceed(options().max_body_bytes) || !shared_.admit_large_body)
      return read_body(req, options().max_body_bytes);
    // Authenticating may touch the database: do it on a worker, then come back.
    expire_never();
    shared_.pool.post([self = shared_from_this(), req] {
      auto refusal = self->shared_.admit_large_body(*req);
      asio::post(self->socket_.get_executor(), [self, req, refusal = std::move(refusal)]() mutable {
        if (refusal) return self->write(std::move(*refusal), false, self->parser_->get().version(), false, true);
        self->read_body(req, self->options().max_large_body_bytes);
      });
    });
  }

  // Whether the body announced by the headers may be longer than `limit` bytes.
  bool may_exceed(size_t limit) const {
    return parser_->chunked() || parser_->content_length().value_or(0) > limit;
  }

  void read_body(std::shared_ptr<Request> req, size_t limit) {
    if (!parser_->chunked() && may_exceed(limit)) return refuse_too_large();
    if (parser_->is_done()) return on_body({}, req);
    // The parser lives in this session and is only fed while a read holds it alive.
    parser_->get().body().charge = [this](size_t bytes) { return reserve_body_budget(bytes); };
    parser_->body_limit(limit);
    expire_after(limit > options().max_body_bytes ? kBodyTimeout : kIdleTimeout);
    bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this(), req](beast::error_code ec, size_t) {
      self->on_body(ec, req);
    });
  }

  void on_body(beast::error_code ec, std::shared_ptr<Request> req) {
    if (ended(ec)) return close();
    if (ec == bhttp::error::body_limit) return refuse_too_large();
    if (ec == asio::error::no_buffer_space) {
      return refuse(503, json_error(errc::server_busy, "the server is busy; retry shortly"));
    }
    if (ec) return refuse(400, json_error(errc::invalid_request, "malformed HTTP request"));
    auto& raw = parser_->get();
    req->body = std::move(raw.body().text);
    bool keep_alive = raw.keep_alive();
    unsigned version = raw.version();
    bool head = req->method == "HEAD";
    const auto& inline_paths = options().inline_paths;
    if (std::find(inline_paths.begin(), inline_paths.end(), req->path) != inline_paths.end())
      return write(run_handler(*req), keep_alive, version, head, false);
    if (auto quick = answer_now(*req)) return write(std::move(*quick), keep_alive, version, head, false);
    if (shared_.queued_requests.load() >= options().max_queued_requests) {
      Response busy{503, "application/json", json_error(errc::server_busy, "the server is busy; retry shortly"), {}};
      busy.headers.emplace_back("Retry-After", "1");
      return write(std::move(busy), keep_alive, version, head, false);
    }
    // Handlers may block; run them off the I/O threads and come back to write.
    ++shared_.queued_requests;
    expire_never();
    shared_.pool.post([self = shared_from_this(), req, keep_alive, version, head] {
      --self->shared_.queued_requests;
      HandlerLoad* load = self->options().load;
      if (load) load->enter();
      Response res = self->run_handler(*req);
      if (load) load->leave();
      asio::post(self->socket_.get_executor(), [self, res = std::move(res), keep_alive, version, head]() mutable {
        self->write(std::move(res), keep_alive, version, head, false);
      });
    });
  }

  // An exception here leaves the request to a worker, which runs the handler in full.
  std::optional<Response> answer_now(Request& req) {
    if (!shared_.answer_now) return std::nullopt;
    try {
      return shared_.answer_now(req);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
    }
    return std::nullopt;
  }

  Response run_handler(Request& req) {
    try {
      return shared_.handler(req);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", req.method, req.path, e.what());
    } catch (...) {
      spdlog::error("{} {}: unknown exception", req.method, req.path);
    }
    return Response{500, "application/json", json_error(errc::internal_error, "internal server error"), {}};
  }

  // Answers before the body was read (or after it failed): the connection cannot be reused.
  void refuse(int status, std::string body) {
    write(Response{status, "application/json", std::move(body), {}}, false, 11, false, true);
  }
  void refuse_too_large() { refuse(413, json_error(errc::payload_too_large, "the request body is too large")); }

  bool reserve_body_budget(size_t bytes) {
    size_t total = shared_.inflight_body_bytes.fetch_add(bytes) + bytes;
    if (total > options().max_inflight_body_bytes) {
      shared_.inflight_body_bytes -= bytes;
      return false;
    }
    reserved_body_bytes_ += bytes;
    return true;
  }
  void release_body_budget() {
    shared_.inflight_body_bytes -= reserved_body_bytes_;
    reserved_body_bytes_ = 0;
  }

  // The head and the body go in one gather write. A HEAD answer keeps the GET's headers,
  // Content-Length included, and sends no body.
  void write(Response res, bool keep_alive, unsigned version, bool head, bool linger) {
    head_.clear();
    append_response_head(head_, res, keep_alive, version, res.body.size());
    response_ = std::move(res);
    if (head) response_.body.clear();
    expire_after(kIdleTimeout);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(response_.body)};
    asio::async_write(socket_, buffers, [self = shared_from_this(), keep_alive, linger](beast::error_code ec, size_t) {
      self->response_ = {};  // an export's body is not kept by an idle connection
      if (!ec && keep_alive) return self->read_header();
      if (!ec && linger) return self->linger_close();
      self->close();
    });
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  // Half-closes, then discards what the client still sends until it closes or time runs out.
  void linger_close() {
    close();
    expire_after(kLingerTimeout);
    drain();
  }
  void drain() {
    socket_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->drain();
    });
  }

  Socket socket_;
  Timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timer_armed_ = false;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<ArrivingBody>> parser_;
  Shared& shared_;
  std::string peer_;  // the client's address; empty when the socket could not say
  size_t reserved_body_bytes_ = 0;
  std::string head_;   // the response being written: its head, kept for the next one's capacity
  Response response_;  // and the rest of it, until written
  std::array<char, 4096> discard_;
};

// Runs the io_context on this thread until it is stopped. A handler's exception (even
// std::bad_alloc) ends only the connection it served: run() is simply resumed.
void run_guarded(asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("I/O thread: {}", e.what());
    } catch (...) {
      spdlog::error("I/O thread: unknown exception");
    }
  }
}

}  // namespace

struct Server::Impl {
  Shared shared;
  // One io_context per I/O thread, like nginx's workers: a connection lives on one
  // thread, so its handlers need no strand and the threads share no scheduler lock.
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  size_t next_context = 0;
  tcp::acceptor acceptor;
  asio::steady_timer accept_timer{acceptor.get_executor()};
  std::chrono::milliseconds accept_backoff = kAcceptBackoffMin;

  Impl(ServerOptions o, Handler h, LargeBodyCheck admit, QuickHandler quick)
      : shared(std::move(o), std::move(h), std::move(admit), std::move(quick)),
        contexts(make_contexts(shared.options.io_threads)),
        acceptor(*contexts.front()) {}

  static std::vector<std::unique_ptr<asio::io_context>> make_contexts(int threads) {
    std::vector<std::unique_ptr<asio::io_context>> made;
    for (int i = 0; i < std::max(threads, 1); ++i) made.push_back(std::make_unique<asio::io_context>(1));
    return made;
  }

  void accept() {
    auto& io = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    acceptor.async_accept(io, [this](beast::error_code ec, Socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) return back_off(ec);
      accept_backoff = kAcceptBackoffMin;
      // Past the cap the newest connection goes: the ones being served keep their place.
      try {
        if (shared.connections.load() >= shared.options.max_connections) socket.close(ec);
        else std::make_shared<Session>(std::move(socket), shared)->start();
      } catch (const std::exception& e) {  // bad_alloc: lose this connection, keep accepting
        spdlog::error("starting a connection: {}", e.what());
      }
      accept();
    });
  }

  void back_off(const beast::error_code& ec) {
    if (accept_backoff == kAcceptBackoffMin) spdlog::warn("accepting a connection failed: {}; backing off", ec.message());
    accept_timer.expires_after(accept_backoff);
    accept_backoff = std::min(accept_backoff * 2, std::chrono::milliseconds(kAcceptBackoffMax));
    accept_timer.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec) accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler, LargeBodyCheck admit_large_body, QuickHandler answer_now)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(admit_large_body),
                                   std::move(answer_now))) {}

Server::~Server() {
  stop();
  impl_->shared.pool.join();
}

Status Server::listen() {
  beast::error_code ec;
  const auto& options = impl_->shared.options;
  const std::string& host = options.host;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Error::make(errc::config_error, "invalid listen address " + options.host);
  tcp::endpoint endpoint(address, options.port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error::make(errc::config_error,
                       "cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + ec.message());
  return Status::success();
}

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  impl_->accept();
  auto& contexts = impl_->contexts;
  // Each context stays in run() until stop(), even while it has no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& io : contexts) guards.push_back(asio::make_work_guard(*io));
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts.size(); ++i) threads.emplace_back([io = contexts[i].get()] { run_guarded(*io); });
  run_guarded(*contexts.front());
  for (auto& t : threads) t.join();
}

void Server::stop() {
  for (auto& io : impl_->contexts) io->stop();
}

}  // namespace sg::http
