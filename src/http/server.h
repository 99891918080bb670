// Server: an HTTP/1.1 server on Boost.Beast. Connections are served asynchronously by
// a few I/O threads; each request's handler runs on a separate worker pool because
// handlers may block (database, Marketo). Bodies over max_body_bytes get 413.
// run() blocks until stop(); stop() may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/handler_load.h"
#include "http/types.h"

namespace sg::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  size_t max_body_bytes = 1 << 20;
  int io_threads = 2;
  int handler_threads = 16;
  HandlerLoad* load = nullptr;  // told when a handler thread starts and ends a request
  // Answered on the I/O threads, so probes stay prompt while every worker waits on Marketo.
  std::vector<std::string> inline_paths = {"/healthz", "/readyz", "/metrics"};
};

using Handler = std::function<Response(Request&)>;

class Server {
 public:
  Server(ServerOptions options, Handler handler);
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
