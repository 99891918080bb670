// Lead lookup: MARKETO.md's "Looking up leads by email" as pure request building and
// result reading; the client does the I/O, batching and paging.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <boost/json/array.hpp>

#include "marketo/endpoint.h"
#include "net/http_client.h"

namespace sg::marketo {

inline constexpr std::size_t kMaxKeysPerLookup = 300;  // Marketo's records per call
inline constexpr std::size_t kMaxUriBytes = 8192;      // longer URIs get HTTP 414

// filterValues separates addresses with commas, so an address holding one (a quoted
// local part may) cannot be asked about: Marketo would look up its pieces instead.
bool can_look_up(std::string_view key);

// GET leads.json with the filter in the query string or, when that URL would pass
// kMaxUriBytes, a form-encoded POST with _method=GET. No Authorization header yet.
// `page_token` is empty for the first page.
net::Request lookup_request(const Endpoint& rest, std::span<const std::string> keys, std::string_view page_token);

// The lower-cased emails of `leads` that are among `keys` (lower-cased) and unsubscribed.
std::vector<std::string> unsubscribed_leads(const boost::json::array& leads,
                                            const std::unordered_set<std::string>& keys);

}  // namespace sg::marketo
