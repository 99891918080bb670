#include "marketo/activity_feed.h"

#include <string>

#include <boost/json/object.hpp>

#include "core/email_address.h"
#include "marketo/error_codes.h"
#include "marketo/reply_envelope.h"
#include "net/url_encode.h"

namespace sg::marketo {

namespace {

std::vector<ActivityAttribute> read_attributes(const boost::json::value* attributes) {
  std::vector<ActivityAttribute> out;
  if (attributes == nullptr || !attributes->is_array()) return out;
  for (const auto& item : attributes->get_array()) {
    const auto* attribute = item.if_object();
    if (attribute == nullptr) continue;
    out.push_back({text_of(attribute->if_contains("name")), text_of(attribute->if_contains("value"))});
  }
  return out;
}

std::string primary_attribute_name(const boost::json::value* primary) {
  if (primary == nullptr || !primary->is_object()) return {};
  return text_of(primary->get_object().if_contains("name"));
}

std::optional<Activity> read_activity(const boost::json::object& item) {
  const auto lead_id = integer_of(item.if_contains("leadId"));
  const auto type_id = integer_of(item.if_contains("activityTypeId"));
  if (!lead_id || !type_id) return std::nullopt;
  return Activity{text_of(item.if_contains("marketoGUID")),
                  *lead_id,
                  static_cast<int>(*type_id),
                  text_of(item.if_contains("activityDate")),
                  text_of(item.if_contains("primaryAttributeValue")),
                  integer_of(item.if_contains("primaryAttributeValueId")).value_or(0),
                  read_attributes(item.if_contains("attributes"))};
}

}  // namespace

net::Request paging_token_request(const Endpoint& rest, TimePoint since) {
  net::Request request;
  request.url = rest.url("v1/activities/pagingtoken.json") + "?sinceDatetime=" + net::url_encode(format_rfc3339(since));
  return request;
}

net::Request activity_types_request(const Endpoint& rest) {
  net::Request request;
  request.url = rest.url("v1/activities/types.json");
  return request;
}

net::Request activities_request(const Endpoint& rest, std::string_view page_token, std::span<const int> type_ids) {
  std::string ids;
  for (std::size_t i = 0; i < type_ids.size(); ++i) ids += (i ? "," : "") + std::to_string(type_ids[i]);
  net::Request request;
  request.url = rest.url("v1/activities.json") + "?activityTypeIds=" + ids +
                "&nextPageToken=" + net::url_encode(page_token) + "&batchSize=" + std::to_string(kActivityBatchSize);
  return request;
}

net::Request describe_request(const Endpoint& rest) {
  net::Request request;
  request.url = rest.url("v1/leads/describe.json");
  return request;
}

FieldIds read_field_ids(const boost::json::array& result) {
  FieldIds out;
  for (const auto& item : result) {
    const auto* field = item.if_object();
    const auto* rest = field ? field->if_contains("rest") : nullptr;
    if (rest == nullptr || !rest->is_object()) continue;
    const std::string name = lowercase_ascii(text_of(rest->get_object().if_contains("name")));
    const auto id = integer_of(field->if_contains("id"));
    if (!name.empty() && id) out.emplace(name, *id);
  }
  return out;
}

std::vector<ActivityType> read_activity_types(const boost::json::array& result) {
  std::vector<ActivityType> out;
  for (const auto& item : result) {
    const auto* type = item.if_object();
    if (type == nullptr) continue;
    const auto id = integer_of(type->if_contains("id"));
    if (!id) continue;
    out.push_back({static_cast<int>(*id), text_of(type->if_contains("name")),
                   primary_attribute_name(type->if_contains("primaryAttribute"))});
  }
  return out;
}

Result<std::vector<Activity>> read_activities(const boost::json::array& result) {
  std::vector<Activity> out;
  for (std::size_t i = 0; i < result.size(); ++i) {
    const auto* object = result[i].if_object();
    std::optional<Activity> activity = object ? read_activity(*object) : std::nullopt;
    if (!activity)
      return Error::make(errc::invalid_response, "activity " + std::to_string(i + 1) + " of " +
                                                     std::to_string(result.size()) +
                                                     " in the page has no leadId or activityTypeId");
    out.push_back(std::move(*activity));
  }
  return out;
}

}  // namespace sg::marketo
