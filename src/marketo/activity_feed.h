// Activity feed: MARKETO.md's "Following unsubscribes as they happen" as pure request
// building and result reading (paging token, activity types, pages of activities); the
// client does the I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "core/clock.h"
#include "marketo/endpoint.h"
#include "marketo/types.h"
#include "net/http_client.h"

namespace sg::marketo {

inline constexpr std::size_t kMaxActivityTypeIds = 10;  // per activities.json call
inline constexpr int kActivityBatchSize = 300;          // Marketo's largest page

// GET requests without an Authorization header yet.
net::Request paging_token_request(const Endpoint& rest, TimePoint since);
net::Request activity_types_request(const Endpoint& rest);
net::Request activities_request(const Endpoint& rest, std::string_view page_token, std::span<const int> type_ids);
// The lead fields of the instance (leads/describe.json), for the id of a field whose
// display name an admin may have relabelled.
net::Request describe_request(const Endpoint& rest);

// Types and activities without a readable id (and, for activities, lead and type) are
// left out: nothing could be done with them.
std::vector<ActivityType> read_activity_types(const boost::json::array& result);
// The ids of the lead fields describe.json lists, by lower-cased REST name; fields
// without a name or an id are left out.
FieldIds read_field_ids(const boost::json::array& result);
// Every item, or an error naming the first one without a lead or a type: a page read in
// part would let the mirror miss an unsubscribe while the sync looks healthy.
Result<std::vector<Activity>> read_activities(const boost::json::array& result);

}  // namespace sg::marketo
