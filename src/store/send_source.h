// Where a send came from (API.md's `source`: the web app, a mail client's plugin,
// Salesforce, the API, a mail client through the SMTP submission relay), as recorded on each email and bulk send.
#pragma once

#include <optional>
#include <string_view>

namespace sg::store {

enum class Source { WebApp, Gmail, Outlook, Salesforce, Api, EmailClient };

std::string_view to_string(Source s);
std::optional<Source> parse_source(std::string_view text);

}  // namespace sg::store
