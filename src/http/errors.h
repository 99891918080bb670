// The one place where error codes become HTTP statuses and API.md's error body:
// {"error": {"code", "message", "field"?, "recipients"?}}.
#pragma once

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

int status_for(const std::string& code);
Response error_response(const Error& error);
// 204 with no body when `status` succeeded, else its error.
Response no_content(const Status& status);

}  // namespace sg::http
