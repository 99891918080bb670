// The one place where error codes become HTTP statuses and API.md's error body:
// {"error": {"code", "message", "field"?, "recipients"?}}.
#pragma once

#include <boost/json/object.hpp>

#include "core/result.h"
#include "http/types.h"

namespace sg::http {

int status_for(const std::string& code);
// API.md's error body, for answers that add to it.
boost::json::object error_body(const Error& error);
Response error_response(const Error& error);
// 204 with no body when `status` succeeded, else its error.
Response no_content(const Status& status);

}  // namespace sg::http
