// Lead lookup: MARKETO.md's "Looking up leads by email" (and by id, for activities' leads)
// as pure request building and result reading; the client does the I/O, batching and paging.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/json/array.hpp>

#include "marketo/endpoint.h"
#include "marketo/types.h"
#include "net/http_client.h"

namespace sg::marketo {

inline constexpr std::size_t kMaxKeysPerLookup = 300;  // Marketo's records per call
inline constexpr std::size_t kMaxUriBytes = 8192;      // longer URIs get HTTP 414

// The fields the check and the activity feed need of a lead.
inline constexpr std::string_view kUnsubscribeFields = "email,unsubscribed";

// One leads.json query: the leads whose `filter_type` field ("email", "id") is among
// `values` (at most kMaxKeysPerLookup), with `fields` (comma-separated) in each result.
struct LeadQuery {
  std::string_view filter_type;
  std::span<const std::string> values;
  std::string_view fields;
};

// filterValues separates addresses with commas, so an address holding one (a quoted
// local part may) cannot be asked about: Marketo would look up its pieces instead.
bool can_look_up(std::string_view key);

// GET leads.json with the filter in the query string or, when that URL would pass
// kMaxUriBytes, a form-encoded POST with _method=GET. No Authorization header yet.
// `page_token` is empty for the first page.
net::Request leads_request(const Endpoint& rest, const LeadQuery& query, std::string_view page_token);

// The lower-cased emails of `leads` that are among `keys` (lower-cased) and unsubscribed.
std::vector<std::string> unsubscribed_leads(const boost::json::array& leads,
                                            const std::unordered_set<std::string>& keys);

// Id, email and unsubscribed of each lead in `leads`; leads without a readable id are left out.
std::vector<LeadState> lead_states(const boost::json::array& leads);

}  // namespace sg::marketo
