// Lead update: MARKETO.md's "Writing an unsubscribe back" as pure request building and
// per-record result reading; the client does the I/O, batching and 1007 resolution.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "core/result.h"
#include "marketo/endpoint.h"
#include "net/http_client.h"

namespace sg::marketo {

inline constexpr std::size_t kMaxRecordsPerUpdate = 300;

// POST leads.json with action updateOnly, setting unsubscribed=true and
// unsubscribedReason=`reason` on the leads with each address (lookupField email) or each
// lead id (lookupField id). No Authorization header yet.
net::Request unsubscribe_by_email(const Endpoint& rest, std::span<const std::string> emails, std::string_view reason);
net::Request unsubscribe_by_id(const Endpoint& rest, std::span<const int64_t> ids, std::string_view reason);

struct RecordOutcome {
  enum class Kind {
    updated,
    not_found,      // 1004
    several_leads,  // 1007: the lookup field matched more than one lead
    rejected,       // any other reason
  };
  Kind kind = Kind::rejected;
  int64_t lead_id = 0;  // updated only
  std::string reason;   // rejected only: "<code> <message>"
};

// One outcome per record sent, in input order. marketo_error when `result` does not hold
// exactly `records` entries: outcomes could then not be told apart.
Result<std::vector<RecordOutcome>> record_outcomes(const boost::json::array& result, std::size_t records);

}  // namespace sg::marketo
