// The ways an email is sent (workflow) and where the send came from (source),
// with their wire names as API.md spells them.
#pragma once

#include <optional>
#include <string_view>

namespace sg {

enum class Workflow { Individual, Plugin, Campaign, SelectAndSend, Group };
enum class Source { WebApp, Gmail, Outlook, Salesforce, Api };

std::string_view to_string(Workflow w);
std::string_view to_string(Source s);
std::optional<Workflow> parse_workflow(std::string_view text);
std::optional<Source> parse_source(std::string_view text);

// Interactive workflows have a person waiting for the answer; automated ones do not.
bool is_interactive(Workflow w);

}  // namespace sg
