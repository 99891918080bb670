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

bool is_echo(const marketo::Activity& a, const FeedIds& ids) {
  return a.type_id == ids.change_data_value && lowercase_ascii(attribute(a, "New Value")) == "true" &&
         attribute(a, "Source") == kWebServiceApi;
}

}  // namespace

bool is_unsubscribe_change(const marketo::Activity& a, const FeedIds& ids) {
  if (a.type_id == ids.unsubscribe_email) return true;
  if (a.type_id != ids.change_data_value) return false;
  if (ids.unsubscribed_field && a.primary_attribute_value_id != 0)
    return a.primary_attribute_value_id == *ids.unsubscribed_field;
  return lowercase_ascii(a.primary_attribute_value) == "unsubscribed";
}

UnsubscribeChanges unsubscribe_changes(const std::vector<marketo::Activity>& activities, const FeedIds& ids,
                                       const WrittenBack& written_back) {
  UnsubscribeChanges out;
  for (const auto& a : activities) {
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
