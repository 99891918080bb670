// Server: an HTTP/1.1 server on Boost.Beast. Connections are served asynchronously by
// a few I/O threads; each request's handler runs on a separate worker pool because
// handlers may block (database, Marketo), unless the QuickHandler answers it on the I/O
// thread from memory first. run() blocks until stop(); stop() may be called from any
// thread.
//
// Hostile clients are bounded before they cost memory: a body's size is decided from the
// request's headers before any body byte is read (413 without reading it), bodies grow
// with the bytes that arrive instead of reserving the declared length, the bytes of all
// bodies being read or handled share one budget, and connections and queued requests are
// capped (503, or a refused connection). No exception leaves an I/O or worker thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/handler_load.h"
#include "http/types.h"

namespace sg::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  size_t max_body_bytes = 1 << 20;         // any request
  size_t max_large_body_bytes = 64 << 20;  // a request to large_body_paths that admit_large_body lets in
  std::vector<std::string> large_body_paths;
  size_t max_inflight_body_bytes = 256 << 20;  // all bodies being read or handled, together
  int max_connections = 1024;                  // past it the newest connection is closed at once
  int max_queued_requests = 1024;              // waiting for a worker; past it 503
  int io_threads = 2;
  int handler_threads = 16;
  int running_handlers = 0;  // handler threads kept busy before more wake; 0: one per core, at least 2
  HandlerLoad* load = nullptr;  // told when a handler thread starts and ends a request
  // Answered on the I/O threads, so probes stay prompt while every worker waits on Marketo.
  std::vector<std::string> inline_paths = {"/healthz", "/readyz", "/metrics"};
};

using Handler = std::function<Response(Request&)>;
// Sees a request to one of large_body_paths (headers only, no body yet) that may bring more
// than max_body_bytes, on a worker thread: nullopt lets its body grow to max_large_body_bytes,
// a Response refuses it before the body is read.
using LargeBodyCheck = std::function<std::optional<Response>(const Request&)>;
// Tried on the I/O thread before a request goes to the worker pool: an answer that needs
// no waiting (what memory holds), or nullopt to hand the request to a worker. Must not
// block, and must have no effect when it gives nullopt.
using QuickHandler = std::function<std::optional<Response>(Request&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler, LargeBodyCheck admit_large_body = {}, QuickHandler answer_now = {});
  ~Server();

  Status listen();  // binds; errors name the address
  unsigned short port() const;
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sg::http
