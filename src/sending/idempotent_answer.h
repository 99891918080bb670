// The first answer to a send with an idempotency key, kept so a retry with the same
// key gets the same answer and sends nothing new.
#pragma once

#include <string>

#include "core/result.h"
#include "sending/send_request.h"
#include "store/records.h"

namespace sg::sending {

store::StoredResponse remember(const Result<SendAccepted>& answer, const std::string& request_hash);
Result<SendAccepted> replay(const store::StoredResponse& stored);

// A digest of everything a send request asks for, to spot a key reused for another send.
std::string request_digest(const SendRequest& request);

}  // namespace sg::sending
