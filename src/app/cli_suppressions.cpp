// `sendguard suppressions import|export`: the team's suppression list as CSV files.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/cli.h"
#include "app/runtime.h"
#include "marketo/error_codes.h"
#include "suppressions/suppression_service.h"

namespace sg::app {
namespace {

struct Args {
  std::string team, file, actor = "command line";
};

// The command line never removes entries, the one operation that asks Marketo.
class NoMarketo final : public gate::SuppressionSource {
 public:
  Result<std::unordered_set<std::string>> unsubscribed_among(const std::string&,
                                                             const std::vector<std::string>&) override {
    return Error::make(marketo::errc::unreachable, "Marketo is not consulted from the command line");
  }
};

template <class Work>
int with_team(const CommonOptions& common, const Args& args, Work work) {
  auto rt = open_store(common);
  if (!rt) return fail(rt.error().message);
  store::Store& store = *(*rt)->store;
  auto team = store.teams().find_by_name(args.team);
  if (!team) return fail("no team named '" + args.team + "'");
  NoMarketo no_marketo;
  suppressions::SuppressionService service(suppression_stores(store), no_marketo, (*rt)->clock);
  return work(service, Caller{"", team->id, args.actor, true});
}

void draw_progress(int64_t done, int64_t total) {
  int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
  int filled = percent / 4;
  std::cerr << "\rImporting [" << std::string(filled, '#') << std::string(25 - filled, ' ') << "] " << percent
            << "%" << std::flush;
}

int import(const CommonOptions& common, const Args& args) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) return fail("cannot read " + args.file);
  std::error_code ec;
  auto total = static_cast<int64_t>(std::filesystem::file_size(args.file, ec));
  bool terminal = isatty(STDERR_FILENO);
  return with_team(common, args, [&](suppressions::SuppressionService& service, const Caller& caller) {
    auto report = service.import_csv(caller, in, [&](int64_t done) {
      if (terminal) draw_progress(done, total);
    });
    if (terminal) std::cerr << "\n";
    if (!report) return fail(report.error().message);
    std::cout << report->rows << " rows: " << report->added << " added, " << report->already_listed
              << " already listed, " << report->invalid_count << " invalid\n";
    for (const auto& row : report->invalid)
      std::cout << "  line " << row.line << ": '" << row.value << "' (" << row.reason << ")\n";
    return 0;
  });
}

int export_list(const CommonOptions& common, const Args& args) {
  return with_team(common, args, [&](suppressions::SuppressionService& service, const Caller& caller) {
    std::ofstream file;
    if (!args.file.empty() && args.file != "-") {
      file.open(args.file, std::ios::binary | std::ios::trunc);
      if (!file) return fail("cannot write " + args.file);
    }
    std::ostream& out = file.is_open() ? file : std::cout;
    Status s = service.export_csv(caller, out);
    if (!s) return fail(s.error().message);
    out.flush();
    return out ? 0 : fail("writing the export failed");
  });
}

}  // namespace

void add_suppression_commands(CLI::App& app, CommonOptions& common, Command& selected) {
  auto args = std::make_shared<Args>();
  auto* group = app.add_subcommand("suppressions", "The team's own suppression list as CSV");
  group->require_subcommand(1);

  auto* imp = group->add_subcommand("import", "Add the addresses of a CSV file (an \"email\" column, optional \"reason\")");
  imp->add_option("--team", args->team, "Team name")->required();
  imp->add_option("FILE", args->file, "CSV file to read")->required()->check(CLI::ExistingFile);
  add_config_option(imp, common);
  imp->callback([&, args] { selected = [&, args] { return import(common, *args); }; });

  auto* exp = group->add_subcommand("export", "Write the list as CSV (to stdout, or FILE)");
  exp->add_option("--team", args->team, "Team name")->required();
  exp->add_option("FILE", args->file, "CSV file to write; - or absent for stdout");
  add_config_option(exp, common);
  exp->callback([&, args] { selected = [&, args] { return export_list(common, *args); }; });
}

}  // namespace sg::app
