#include "mirror/feed_changes.h"

#include <string_view>

#include "core/email_address.h"

namespace sg::mirror {
namespace {

constexpr std::string_view kWebServiceApi = "Web service API";  // MARKETO.md: the Source of an API change

std::string attribute(const marketo::Activity& a, std::string_view name) {
  for (const auto& attr : a.attributes)
    if (attr.name == name) return attr.value;
  return {};
}

// Change Data Value of the field with `id`, or named `display_name` when the id is unknown.
bool changes_field(const marketo::Activity& a, const FeedIds& ids, const std::optional<int64_t>& id,
                   std::string_view display_name) {
  if (a.type_id != ids.change_data_value) return false;
  if (id && a.primary_attribute_value_id != 0) return a.primary_attribute_value_id == *id;
  return lowercase_ascii(a.primary_attribute_value) == display_name;
}

bool is_echo(const marketo::Activity& a, const FeedIds& ids) {
  return a.type_id == ids.change_data_value && lowercase_ascii(attribute(a, "New Value")) == "true" &&
         attribute(a, "Source") == kWebServiceApi;
}

}  // namespace

std::vector<int> feed_types(const FeedIds& ids) {
  std::vector<int> types{ids.unsubscribe_email, ids.change_data_value};
  if (ids.new_lead) types.push_back(*ids.new_lead);
  return types;
}

bool is_unsubscribe_change(const marketo::Activity& a, const FeedIds& ids) {
  return a.type_id == ids.unsubscribe_email || changes_field(a, ids, ids.unsubscribed_field, "unsubscribed");
}

bool brings_an_address(const marketo::Activity& a, const FeedIds& ids) {
  if (!ids.new_lead) return false;
  return a.type_id == *ids.new_lead || changes_field(a, ids, ids.email_field, "email address");
}

UnsubscribeChanges unsubscribe_changes(const std::vector<marketo::Activity>& activities, const FeedIds& ids,
                                       const WrittenBack& written_back) {
  UnsubscribeChanges out;
  for (const auto& a : activities) {
    if (brings_an_address(a, ids)) {  // its state at the new address is asked, never assumed
      out.echoed.erase(a.lead_id);
      out.to_look_up.insert(a.lead_id);
      continue;
    }
    if (!is_unsubscribe_change(a, ids)) continue;
    auto ours = written_back.find(a.lead_id);
    if (ours != written_back.end() && is_echo(a, ids) && !out.to_look_up.count(a.lead_id)) {
      out.echoed[a.lead_id] = ours->second;
      continue;
    }
    out.echoed.erase(a.lead_id);
    out.to_look_up.insert(a.lead_id);
  }
  return out;
}

}  // namespace sg::mirror
