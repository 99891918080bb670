#include "core/workflow.h"

#include "core/wire_names.h"

namespace sg {
namespace {

constexpr WireNames<Workflow, 5> kWorkflows{{
    {Workflow::Individual, "individual"},
    {Workflow::Plugin, "plugin"},
    {Workflow::Campaign, "campaign"},
    {Workflow::SelectAndSend, "select_and_send"},
    {Workflow::Group, "group"},
}};

}  // namespace

std::string_view to_string(Workflow w) { return name_of(kWorkflows, w); }
std::optional<Workflow> parse_workflow(std::string_view text) { return value_of(kWorkflows, text); }

bool is_interactive(Workflow w) { return w == Workflow::Individual || w == Workflow::Plugin; }

}  // namespace sg
