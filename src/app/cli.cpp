#include "app/cli.h"

#include <iostream>

#include "app/runtime.h"

namespace sg::app {

int fail(const std::string& message) {
  std::cerr << "sendguard: " << message << "\n";
  return 1;
}

Result<std::unique_ptr<StoreRuntime>> open_store(const CommonOptions& common) {
  auto config = load_config(common.config_file);
  if (!config) return config.error();
  return StoreRuntime::open(*config);
}

void add_config_option(CLI::App* command, CommonOptions& common) {
  command->add_option("--config", common.config_file, "TOML configuration file (SENDGUARD_* variables override it)")
      ->check(CLI::ExistingFile);
}

int run_cli(int argc, char** argv) {
  CLI::App app{"Sendguard: sales email that never reaches a person who unsubscribed in Marketo", "sendguard"};
  app.require_subcommand(1);
  CommonOptions common;
  Command selected;
  add_serve_command(app, common, selected);
  add_user_commands(app, common, selected);
  add_token_commands(app, common, selected);
  add_relay_credential_commands(app, common, selected);
  add_suppression_commands(app, common, selected);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "sendguard: " << e.what() << " (see sendguard --help)\n";
    return 2;
  }
  return selected ? selected() : 2;
}

}  // namespace sg::app
