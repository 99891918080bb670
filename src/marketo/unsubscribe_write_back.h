// Unsubscribe write-back: one batch of addresses marked unsubscribed in Marketo by email;
// addresses several leads share (1007) are looked up and each of their leads updated by
// id. Thread-safe as RestCaller, which it borrows for the call.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "marketo/endpoint.h"
#include "marketo/rest_caller.h"
#include "marketo/types.h"

namespace sg::marketo {

// `emails` holds at most kMaxRecordsPerUpdate addresses; one result each, in their order.
// Fails as soon as one call fails; updates already made stay (they are idempotent).
Result<std::vector<WriteBackResult>> write_back_unsubscribes(RestCaller& rest, const Credentials& credentials,
                                                             const Endpoint& endpoint,
                                                             std::span<const std::string> emails,
                                                             std::string_view reason);

}  // namespace sg::marketo
