// `sendguard user add` and `sendguard token create`: accounts from the command line.
// The new API token is printed as the last line of stdout.
#include <unistd.h>

#include <iostream>

#include "app/cli.h"
#include "app/runtime.h"

namespace sg::app {
namespace {

struct UserArgs {
  std::string team, email, role;
  bool password_stdin = false;
};

int add_user(const CommonOptions& common, const UserArgs& args) {
  settings::NewUser request{args.team, args.email, parse_role(args.role).value_or(Role::User), std::nullopt};
  if (args.password_stdin) {
    if (isatty(STDIN_FILENO)) std::cerr << "Password: " << std::flush;
    std::string password;
    if (!std::getline(std::cin, password)) return fail("--password-stdin: no password on standard input");
    request.password = password;
  }
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto created = (*rt)->accounts->add_user(request);
  if (!created) return fail(created.error().message);
  std::cout << (created->team_created ? "created team " : "team ") << args.team << "\n"
            << "created user " << args.email << " (" << args.role << ")\n"
            << created->api_token << std::endl;
  return 0;
}

int set_password(const CommonOptions& common, const std::string& email) {
  if (isatty(STDIN_FILENO)) std::cerr << "New password: " << std::flush;
  std::string password;
  if (!std::getline(std::cin, password)) return fail("no password on standard input");
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  if (Status s = (*rt)->accounts->set_password(email, password); !s) return fail(s.error().message);
  std::cout << "password set for " << email << std::endl;
  return 0;
}

int create_token(const CommonOptions& common, const std::string& email) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  auto token = (*rt)->accounts->issue_token(email);
  if (!token) return fail(token.error().message);
  std::cout << *token << std::endl;
  return 0;
}

}  // namespace

void add_user_commands(CLI::App& app, CommonOptions& common, Command& selected) {
  auto args = std::make_shared<UserArgs>();
  auto* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Create a user (and its team when new); prints an API token last");
  add->add_option("--team", args->team, "Team name; created when it does not exist")->required();
  add->add_option("--email", args->email, "The user's email address")->required();
  add->add_option("--role", args->role, "admin or user")->required()->check(CLI::IsMember({"admin", "user"}));
  add->add_flag("--password-stdin", args->password_stdin, "Read a web sign-in password from standard input");
  add_config_option(add, common);
  add->callback([&, args] { selected = [&, args] { return add_user(common, *args); }; });

  auto pw_email = std::make_shared<std::string>();
  auto* pw = user->add_subcommand("set-password", "Set a user's web sign-in password, read from standard input");
  pw->add_option("--email", *pw_email, "The user's email address")->required();
  add_config_option(pw, common);
  pw->callback([&, pw_email] { selected = [&, pw_email] { return set_password(common, *pw_email); }; });

  auto email = std::make_shared<std::string>();
  auto* token = app.add_subcommand("token", "Manage API tokens");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Issue a new API token for an existing user");
  create->add_option("--email", *email, "The user's email address")->required();
  add_config_option(create, common);
  create->callback([&, email] { selected = [&, email] { return create_token(common, *email); }; });
}

}  // namespace sg::app
