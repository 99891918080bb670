#include "marketo/lead_pages.h"

#include <string>

namespace sg::marketo {

Result<boost::json::array> fetch_leads(RestCaller& rest, const Credentials& credentials, const Endpoint& endpoint,
                                       const LeadQuery& query, std::string_view kind) {
  boost::json::array leads;
  std::string page_token;
  while (true) {
    Result<ReplyEnvelope> page =
        rest.call(credentials, endpoint.instance, leads_request(endpoint, query, page_token), kind);
    if (!page) return page.error();
    for (auto& lead : page->result) leads.push_back(std::move(lead));
    if (!page->more_result || page->next_page_token.empty() || page->next_page_token == page_token) return leads;
    page_token = std::move(page->next_page_token);
  }
}

}  // namespace sg::marketo
