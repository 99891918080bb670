#include "core/workflow.h"

#include <array>
#include <utility>

namespace sg {
namespace {

constexpr std::array<std::pair<Workflow, std::string_view>, 5> kWorkflows{{
    {Workflow::Individual, "individual"},
    {Workflow::Plugin, "plugin"},
    {Workflow::Campaign, "campaign"},
    {Workflow::SelectAndSend, "select_and_send"},
    {Workflow::Group, "group"},
}};

constexpr std::array<std::pair<Source, std::string_view>, 5> kSources{{
    {Source::WebApp, "web_app"},
    {Source::Gmail, "gmail"},
    {Source::Outlook, "outlook"},
    {Source::Salesforce, "salesforce"},
    {Source::Api, "api"},
}};

template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "unknown";
}

template <class E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Workflow w) { return name_of(kWorkflows, w); }
std::string_view to_string(Source s) { return name_of(kSources, s); }
std::optional<Workflow> parse_workflow(std::string_view text) { return value_of(kWorkflows, text); }
std::optional<Source> parse_source(std::string_view text) { return value_of(kSources, text); }

bool is_interactive(Workflow w) { return w == Workflow::Individual || w == Workflow::Plugin; }

}  // namespace sg
