// `sendguard user add|set-password|set-role|remove`: accounts from the command line.
// `user add` prints the new API token as the last line of stdout.
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
  std::cout << "password set for " << email << "; its earlier sessions have ended" << std::endl;
  return 0;
}

int set_role(const CommonOptions& common, const std::string& email, const std::string& role) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  if (Status s = (*rt)->accounts->set_role(email, parse_role(role).value_or(Role::User)); !s)
    return fail(s.error().message);
  std::cout << email << " is now " << role << std::endl;
  return 0;
}

int remove_user(const CommonOptions& common, const std::string& email) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  if (Status s = (*rt)->accounts->remove_user(email); !s) return fail(s.error().message);
  std::cout << "removed " << email << "; its API tokens and sessions no longer work" << std::endl;
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

  auto role_args = std::make_shared<UserArgs>();
  auto* set_role_cmd = user->add_subcommand("set-role", "Make a user an admin or a plain user");
  set_role_cmd->add_option("--email", role_args->email, "The user's email address")->required();
  set_role_cmd->add_option("--role", role_args->role, "admin or user")->required()->check(CLI::IsMember({"admin", "user"}));
  add_config_option(set_role_cmd, common);
  set_role_cmd->callback([&, role_args] {
    selected = [&, role_args] { return set_role(common, role_args->email, role_args->role); };
  });

  auto rm_email = std::make_shared<std::string>();
  auto* rm = user->add_subcommand("remove", "Remove a user: its API tokens and sessions stop working at once");
  rm->add_option("--email", *rm_email, "The user's email address")->required();
  add_config_option(rm, common);
  rm->callback([&, rm_email] { selected = [&, rm_email] { return remove_user(common, *rm_email); }; });
}

}  // namespace sg::app
