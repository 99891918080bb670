#include "marketo/lead_lookup.h"

#include "core/email_address.h"
#include "marketo/reply_envelope.h"
#include "net/url_encode.h"

namespace sg::marketo {

namespace {

std::string query_parameters(const LeadQuery& query, std::string_view page_token) {
  std::string params = "filterType=" + std::string(query.filter_type) + "&filterValues=";
  for (size_t i = 0; i < query.values.size(); ++i) {
    if (i) params += ',';
    params += net::url_encode(query.values[i]);
  }
  params += "&fields=" + std::string(query.fields);
  if (!page_token.empty()) params += "&nextPageToken=" + net::url_encode(page_token);
  return params;
}

}  // namespace

bool can_look_up(std::string_view key) { return key.find(',') == std::string_view::npos; }

net::Request leads_request(const Endpoint& rest, const LeadQuery& query, std::string_view page_token) {
  const std::string base = rest.url("v1/leads.json");
  std::string params = query_parameters(query, page_token);
  net::Request request;
  if (base.size() + 1 + params.size() <= kMaxUriBytes) {
    request.url = base + "?" + params;
    return request;
  }
  request.method = "POST";
  request.url = base + "?_method=GET";
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = std::move(params);
  return request;
}

std::vector<std::string> unsubscribed_leads(const boost::json::array& leads,
                                            const std::unordered_set<std::string>& keys) {
  std::vector<std::string> out;
  for (const auto& lead : leads) {
    const auto* object = lead.if_object();
    if (object == nullptr) continue;
    const auto* email = object->if_contains("email");
    if (email == nullptr || !email->is_string()) continue;
    std::string key = lowercase_ascii(email->get_string());
    if (keys.count(key) && truthy(object->if_contains("unsubscribed"))) out.push_back(std::move(key));
  }
  return out;
}

std::vector<LeadState> lead_states(const boost::json::array& leads) {
  std::vector<LeadState> out;
  for (const auto& lead : leads) {
    const auto* object = lead.if_object();
    if (object == nullptr) continue;
    const std::optional<int64_t> id = integer_of(object->if_contains("id"));
    if (!id) continue;
    out.push_back(LeadState{*id, text_of(object->if_contains("email")), truthy(object->if_contains("unsubscribed"))});
  }
  return out;
}

}  // namespace sg::marketo
