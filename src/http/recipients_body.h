// Reading a "recipients" array of {"email", "vars"} objects (bulk sends, enrollments).
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "core/result.h"
#include "sending/bulk_send.h"

namespace sg::http {

// Errors name the element, e.g. "recipients[3].email" or "recipients[3].vars.first_name".
Result<std::vector<sending::BulkRecipient>> parse_recipients(const boost::json::object& body);

}  // namespace sg::http
