// The sendguard command line: `serve`, `user …`, `token …`, `relay-credential …`,
// `suppressions import|export`. Each command lives in its own file and registers itself
// on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace sg::app {

// Shared by every command: --config FILE.
struct CommonOptions {
  std::optional<std::string> config_file;
};

using Command = std::function<int()>;  // runs the parsed command, returns the exit code

struct StoreRuntime;

// Every command's one-line error on stderr; returns the failing exit code.
int fail(const std::string& message);
// The configured database, for commands that work on it directly.
Result<std::unique_ptr<StoreRuntime>> open_store(const CommonOptions& common);
void add_config_option(CLI::App* command, CommonOptions& common);

void add_serve_command(CLI::App& app, CommonOptions& common, Command& selected);
void add_user_commands(CLI::App& app, CommonOptions& common, Command& selected);
void add_token_commands(CLI::App& app, CommonOptions& common, Command& selected);
void add_relay_credential_commands(CLI::App& app, CommonOptions& common, Command& selected);
void add_suppression_commands(CLI::App& app, CommonOptions& common, Command& selected);

int run_cli(int argc, char** argv);

}  // namespace sg::app
