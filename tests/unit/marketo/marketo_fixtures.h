// Marketo replies as MARKETO.md documents them, credentials, and request inspection
// helpers shared by the Marketo client tests.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "marketo/marketo_client.h"
#include "net/http_client.h"

namespace sg::marketo::test {

inline const char kTokenPath[] = "/identity/oauth/token";
inline const char kLeadsPath[] = "/rest/v1/leads.json";
inline const char kActivitiesPath[] = "/rest/v1/activities.json";
inline const char kPagingTokenPath[] = "/rest/v1/activities/pagingtoken.json";
inline const char kActivityTypesPath[] = "/rest/v1/activities/types.json";
inline const char kDescribePath[] = "/rest/v1/leads/describe.json";

inline Credentials credentials() {
  return Credentials{"https://123-ABC-456.mktorest.com/rest", "https://123-ABC-456.mktorest.com/identity",
                     "client-1", "s3cret&="};
}

inline std::string token_json(const std::string& token, int expires_in = 3599) {
  return R"({"access_token":")" + token + R"(","token_type":"bearer","expires_in":)" +
         std::to_string(expires_in) + R"(,"scope":"apis@acme.com"})";
}

inline std::string error_json(const std::string& code, const std::string& message = "something") {
  return R"({"requestId":"d612#1","success":false,"errors":[{"code":")" + code + R"(","message":")" + message +
         R"("}]})";
}

struct Lead {
  std::string email;
  std::string unsubscribed;  // JSON text: true, false, null, "true", or empty for absent
};

inline std::string leads_json(const std::vector<Lead>& leads, const std::string& next_page_token = "") {
  std::string out = R"({"requestId":"d612#2","success":true,"result":[)";
  for (size_t i = 0; i < leads.size(); ++i) {
    if (i) out += ",";
    out += R"({"id":)" + std::to_string(1000 + i) + R"(,"email":")" + leads[i].email + "\"";
    if (!leads[i].unsubscribed.empty()) out += R"(,"unsubscribed":)" + leads[i].unsubscribed;
    out += "}";
  }
  out += "]";
  if (!next_page_token.empty()) out += R"(,"moreResult":true,"nextPageToken":")" + next_page_token + "\"";
  return out + "}";
}

// A successful envelope around `result` (JSON array items, comma-separated) and `extra`
// top-level members (",\"moreResult\":true"); an empty `result` leaves it out, as Marketo may.
inline std::string success_json(const std::string& result, const std::string& extra = "") {
  std::string out = R"({"requestId":"d612#3","success":true)";
  if (!result.empty()) out += R"(,"result":[)" + result + "]";
  return out + extra + "}";
}

// updateOnly result records.
inline std::string updated(long long id) { return R"({"id":)" + std::to_string(id) + R"(,"status":"updated"})"; }
inline std::string skipped(const std::string& code, const std::string& message = "Lead not found") {
  return R"({"status":"skipped","reasons":[{"code":")" + code + R"(","message":")" + message + R"("}]})";
}

// One activity: `attributes` is the JSON array text, e.g. [{"name":"New Value","value":true}].
inline std::string activity_json(long long id, long long lead_id, int type_id, const std::string& primary,
                                 const std::string& attributes = "[]") {
  return R"({"id":)" + std::to_string(id) + R"(,"marketoGUID":")" + std::to_string(id) + R"(","leadId":)" +
         std::to_string(lead_id) + R"(,"activityDate":"2026-01-15T11:59:00Z","activityTypeId":)" +
         std::to_string(type_id) + R"(,"primaryAttributeValue":")" + primary + R"(","attributes":)" + attributes + "}";
}

// leads/describe.json listing `unsubscribed` with `id` and `display_name` (Adobe's shape:
// id, displayName, dataType, rest and soap names), among two other fields.
inline std::string describe_json(long long id, const std::string& display_name) {
  return success_json(
      R"({"id":2,"displayName":"Company Name","dataType":"string","length":255,)"
      R"("rest":{"name":"company","readOnly":false},"soap":{"name":"Company","readOnly":false}},)"
      R"({"id":31,"displayName":"Email Address","dataType":"email","length":255,)"
      R"("rest":{"name":"email","readOnly":false},"soap":{"name":"Email","readOnly":false}},)"
      R"({"id":)" + std::to_string(id) + R"(,"displayName":")" + display_name + R"(","dataType":"boolean",)"
      R"("rest":{"name":"unsubscribed","readOnly":false},"soap":{"name":"Unsubscribed","readOnly":false}},)"
      R"({"id":52,"displayName":"Lead Score","dataType":"integer",)"
      R"("rest":{"name":"leadScore","readOnly":false},"soap":{"name":"LeadScore","readOnly":false}})");
}

// A Change Data Value of the field `field_id` named `display_name` to `new_value`, from `source`.
inline std::string change_json(long long id, long long lead_id, int type_id, long long field_id,
                               const std::string& display_name, const std::string& new_value,
                               const std::string& source = "Marketo Flow Action") {
  return R"({"id":)" + std::to_string(id) + R"(,"marketoGUID":")" + std::to_string(id) + R"(","leadId":)" +
         std::to_string(lead_id) + R"(,"activityDate":"2026-01-15T11:59:00Z","activityTypeId":)" +
         std::to_string(type_id) + R"(,"primaryAttributeValueId":)" + std::to_string(field_id) +
         R"(,"primaryAttributeValue":")" + display_name + R"(","attributes":[{"name":"New Value","value":)" +
         new_value + R"(},{"name":"Old Value","value":null},{"name":"Reason","value":null},)" +
         R"({"name":"Source","value":")" + source + R"("}]})";
}

inline std::string activities_json(const std::string& items, const std::string& next_token, bool more) {
  return success_json(items, R"(,"nextPageToken":")" + next_token + R"(","moreResult":)" + (more ? "true" : "false"));
}

inline std::string header(const net::Request& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

// The number of addresses in a lookup's filterValues, wherever they travel.
inline size_t filter_value_count(const net::Request& request) {
  const std::string& text = request.method == "GET" ? request.url : request.body;
  const auto start = text.find("filterValues=");
  if (start == std::string::npos) return 0;
  const auto end = text.find('&', start);
  const std::string values = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return values.size() == 13 ? 0 : 1 + std::count(values.begin(), values.end(), ',');
}

inline std::vector<std::string> addresses(size_t n, const std::string& domain = "example.com") {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back("person" + std::to_string(i) + "@" + domain);
  return out;
}

}  // namespace sg::marketo::test
