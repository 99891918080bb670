// `sendguard serve`: runs the HTTP server and the delivery worker until SIGINT/SIGTERM.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "app/cli.h"
#include "app/runtime.h"

namespace sg::app {
namespace {

int serve(const CommonOptions& common) {
  auto config = load_config(common.config_file);
  if (!config) return fail(config.error().message);
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  auto runtime = Runtime::build(*config);
  if (!runtime) return fail(runtime.error().message);
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) (*runtime)->stop();
  });
  std::thread signal_thread([&] { signals_io.run(); });
  Status s = (*runtime)->serve();
  signals_io.stop();
  signal_thread.join();
  if (!s) return fail(s.error().message);
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, CommonOptions& common, Command& selected) {
  auto* cmd = app.add_subcommand("serve", "Run the HTTP API and the delivery worker");
  add_config_option(cmd, common);
  cmd->footer(
      "Environment: SENDGUARD_DB, SENDGUARD_LISTEN, SENDGUARD_SMTP_URL, SENDGUARD_PUBLIC_URL,\n"
      "SENDGUARD_SECRET_KEY_FILE, SENDGUARD_CHECK_MAX_AGE (see README for all settings).");
  cmd->callback([&] { selected = [&] { return serve(common); }; });
}

}  // namespace sg::app
