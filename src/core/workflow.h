// The ways an email is sent (workflow), with their wire names as API.md spells them.
#pragma once

#include <optional>
#include <string_view>

namespace sg {

enum class Workflow { Individual, Plugin, Campaign, SelectAndSend, Group };

std::string_view to_string(Workflow w);
std::optional<Workflow> parse_workflow(std::string_view text);

// Interactive workflows have a person waiting for the answer; automated ones do not.
bool is_interactive(Workflow w);

}  // namespace sg
