#include "store/send_source.h"

#include "core/wire_names.h"

namespace sg::store {
namespace {

constexpr WireNames<Source, 6> kSources{{
    {Source::WebApp, "web_app"},
    {Source::Gmail, "gmail"},
    {Source::Outlook, "outlook"},
    {Source::Salesforce, "salesforce"},
    {Source::Api, "api"},
    {Source::EmailClient, "email_client"},
}};

}  // namespace

std::string_view to_string(Source s) { return name_of(kSources, s); }
std::optional<Source> parse_source(std::string_view text) { return value_of(kSources, text); }

}  // namespace sg::store
