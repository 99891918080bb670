// Reading the body of a Marketo webhook call: {"email", "unsubscribed", "leadId"} as
// Marketo's payload template renders it. Lenient only where Marketo's rendering varies:
// `unsubscribed` as a boolean, 0/1, or the strings "true"/"false"/"1"/"0"; `leadId` as a
// number or a string of digits, or absent.
#pragma once

#include <boost/json/object.hpp>

#include "core/result.h"
#include "settings/marketo_webhooks.h"

namespace sg::http {

// Errors (invalid_request) name the field: email, unsubscribed or leadId.
Result<settings::WebhookCall> parse_webhook_call(const boost::json::object& body);

}  // namespace sg::http
