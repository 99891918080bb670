// Instance usage: the day's REST calls of every API user of the instance (Adobe's "Get
// Daily Usage", GET /rest/v1/stats/usage.json), so the budget counts the calls of the
// customer's other integrations against the shared quota. Pure request building and
// result reading; the client does the I/O.
#pragma once

#include <cstdint>

#include <boost/json/array.hpp>

#include "core/result.h"
#include "marketo/endpoint.h"
#include "net/http_client.h"

namespace sg::marketo {

// A GET request without an Authorization header yet.
net::Request usage_request(const Endpoint& rest);

// The day's total of calls: the first item's "total" (the reply has one item per day); 0
// when the day has no item yet; an error when the total is missing or not a count.
Result<int64_t> read_usage_total(const boost::json::array& result);

}  // namespace sg::marketo
