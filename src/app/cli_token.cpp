// `sendguard token create|list|revoke`: API tokens from the command line. A new token's
// value is printed once, as the last line of stdout; listings never show values.
#include <iostream>

#include "app/cli.h"
#include "app/runtime.h"

namespace sg::app {
namespace {

struct TokenArgs {
  std::string email, name = "cli", id;
};

int create_token(const CommonOptions& common, const TokenArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto token = (*rt)->accounts->issue_token(args.email, args.name);
  if (!token) return fail(token.error().message);
  std::cout << token->value << std::endl;
  return 0;
}

int list_tokens(const CommonOptions& common, const TokenArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto tokens = (*rt)->accounts->tokens(args.email);
  if (!tokens) return fail(tokens.error().message);
  for (const auto& t : *tokens) std::cout << t.id << "\t" << format_rfc3339(t.created_at) << "\t" << t.name << "\n";
  std::cout << std::flush;
  return 0;
}

int revoke_token(const CommonOptions& common, const TokenArgs& args) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  if (Status s = (*rt)->accounts->revoke_token(args.id); !s) return fail(s.error().message);
  std::cout << "revoked " << args.id << std::endl;
  return 0;
}

}  // namespace

void add_token_commands(CLI::App& app, CommonOptions& common, Command& selected) {
  auto args = std::make_shared<TokenArgs>();
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);

  auto* create = token->add_subcommand("create", "Issue a new API token for an existing user; prints it last");
  create->add_option("--email", args->email, "The user's email address")->required();
  create->add_option("--name", args->name, "What the token is for (default: cli)");
  add_config_option(create, common);
  create->callback([&, args] { selected = [&, args] { return create_token(common, *args); }; });

  auto* list = token->add_subcommand("list", "List a user's API tokens: id, created (UTC), name; never their values");
  list->add_option("--email", args->email, "The user's email address")->required();
  add_config_option(list, common);
  list->callback([&, args] { selected = [&, args] { return list_tokens(common, *args); }; });

  auto* revoke = token->add_subcommand("revoke", "Revoke an API token by its id (see token list)");
  revoke->add_option("id", args->id, "The token's id")->required();
  add_config_option(revoke, common);
  revoke->callback([&, args] { selected = [&, args] { return revoke_token(common, *args); }; });
}

}  // namespace sg::app
