// `sendguard relay-credential create|list|revoke`: a team's SMTP relay credentials (for
// Salesforce Email Relay) from the command line. A new credential's password is printed
// once, as the last line of stdout; listings never show passwords.
#include <iostream>

#include "app/cli.h"
#include "app/runtime.h"

namespace sg::app {
namespace {

struct RelayArgs {
  std::string team, name, id;
};

int create_credential(const CommonOptions& common, const RelayArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto made = (*rt)->relay_credentials->create(args.team, args.name);
  if (!made) return fail(made.error().message);
  std::cout << "id\t" << made->info.id << "\nusername\t" << made->info.username << "\n"
            << made->password << std::endl;
  return 0;
}

int list_credentials(const CommonOptions& common, const RelayArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto listed = (*rt)->relay_credentials->list(args.team);
  if (!listed) return fail(listed.error().message);
  for (const auto& c : *listed)
    std::cout << c.id << "\t" << c.username << "\t" << format_rfc3339(c.created_at) << "\t" << c.name << "\n";
  std::cout << std::flush;
  return 0;
}

int revoke_credential(const CommonOptions& common, const RelayArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  if (Status s = (*rt)->relay_credentials->revoke(args.id); !s) return fail(s.error().message);
  std::cout << "revoked " << args.id << std::endl;
  return 0;
}

}  // namespace

void add_relay_credential_commands(CLI::App& app, CommonOptions& common, Command& selected) {
  auto args = std::make_shared<RelayArgs>();
  auto* relay = app.add_subcommand("relay-credential", "Manage SMTP relay credentials (e.g. for Salesforce Email Relay)");
  relay->require_subcommand(1);

  auto* create = relay->add_subcommand(
      "create", "Create a relay credential that may send as any member of the team; prints id and username, then the password last");
  create->add_option("--team", args->team, "The team's name")->required();
  create->add_option("--name", args->name, "What it is for, e.g. Salesforce")->required();
  add_config_option(create, common);
  create->callback([&, args] { selected = [&, args] { return create_credential(common, *args); }; });

  auto* list = relay->add_subcommand("list", "List a team's relay credentials: id, username, created (UTC), name; never passwords");
  list->add_option("--team", args->team, "The team's name")->required();
  add_config_option(list, common);
  list->callback([&, args] { selected = [&, args] { return list_credentials(common, *args); }; });

  auto* revoke = relay->add_subcommand("revoke", "Revoke a relay credential by its id (see relay-credential list)");
  revoke->add_option("--id", args->id, "The credential's id")->required();
  add_config_option(revoke, common);
  revoke->callback([&, args] { selected = [&, args] { return revoke_credential(common, *args); }; });
}

}  // namespace sg::app
