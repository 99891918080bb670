// Lead pages: one leads.json query followed across every page of its answer (more than
// 300 leads can match, e.g. one address shared by many leads). Thread-safe as RestCaller.
#pragma once

#include <string_view>

#include <boost/json/array.hpp>

#include "core/result.h"
#include "marketo/endpoint.h"
#include "marketo/lead_lookup.h"
#include "marketo/rest_caller.h"
#include "marketo/types.h"

namespace sg::marketo {

// Every lead matching `query`, in Marketo's order; `kind` labels the calls. A missing or
// repeated nextPageToken ends the paging rather than looping forever.
Result<boost::json::array> fetch_leads(RestCaller& rest, const Credentials& credentials, const Endpoint& endpoint,
                                       const LeadQuery& query, std::string_view kind);

}  // namespace sg::marketo
