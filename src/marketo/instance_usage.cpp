#include "marketo/instance_usage.h"

#include <boost/json/object.hpp>

#include "marketo/error_codes.h"
#include "marketo/reply_envelope.h"

namespace sg::marketo {

net::Request usage_request(const Endpoint& rest) {
  net::Request request;
  request.url = rest.url("v1/stats/usage.json");
  return request;
}

Result<int64_t> read_usage_total(const boost::json::array& result) {
  if (result.empty()) return int64_t{0};
  const auto* day = result.front().if_object();
  const auto total = day ? integer_of(day->if_contains("total")) : std::nullopt;
  if (!total || *total < 0) return Error::make(errc::invalid_response, "Marketo's daily usage has no readable total");
  return *total;
}

}  // namespace sg::marketo
