#include "marketo/unsubscribe_write_back.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "core/email_address.h"
#include "marketo/call_metrics.h"
#include "marketo/lead_lookup.h"
#include "marketo/lead_pages.h"
#include "marketo/lead_update.h"

namespace sg::marketo {

namespace {

using Outcomes = std::map<int64_t, RecordOutcome>;

// filterValues cannot carry an address holding a comma, so its leads cannot be found.
constexpr char kUnresolvable[] = "1007 several leads match, and an address with a comma cannot be looked up";

WriteBackResult result_of(const std::string& email, const RecordOutcome& outcome) {
  switch (outcome.kind) {
    case RecordOutcome::Kind::updated:
      return WriteBackResult{email, WriteBackStatus::updated, {outcome.lead_id}, {}};
    case RecordOutcome::Kind::not_found:
      return WriteBackResult{email, WriteBackStatus::not_found, {}, {}};
    case RecordOutcome::Kind::several_leads:  // an id matches one lead; Marketo said otherwise
      return WriteBackResult{email, WriteBackStatus::rejected, {}, "1007 several leads match one id"};
    case RecordOutcome::Kind::rejected:
      break;
  }
  return WriteBackResult{email, WriteBackStatus::rejected, {}, outcome.reason};
}

// The lead ids of each address (lower-cased) among `emails`.
Result<std::map<std::string, std::vector<int64_t>>> ids_by_email(RestCaller& rest, const Credentials& credentials,
                                                                 const Endpoint& endpoint,
                                                                 std::span<const std::string> emails) {
  std::map<std::string, std::vector<int64_t>> ids;
  if (emails.empty()) return ids;
  Result<boost::json::array> leads =
      fetch_leads(rest, credentials, endpoint, LeadQuery{"email", emails, "id,email"}, kLookupKind);
  if (!leads) return leads.error();
  for (const LeadState& lead : lead_states(*leads)) ids[lowercase_ascii(lead.email)].push_back(lead.id);
  return ids;
}

Result<Outcomes> update_by_id(RestCaller& rest, const Credentials& credentials, const Endpoint& endpoint,
                              std::span<const int64_t> ids, std::string_view reason) {
  Outcomes outcomes;
  for (std::size_t first = 0; first < ids.size(); first += kMaxRecordsPerUpdate) {
    const auto batch = ids.subspan(first, std::min(kMaxRecordsPerUpdate, ids.size() - first));
    Result<ReplyEnvelope> reply =
        rest.call(credentials, endpoint.instance, unsubscribe_by_id(endpoint, batch, reason), kUpdateKind);
    if (!reply) return reply.error();
    Result<std::vector<RecordOutcome>> read = record_outcomes(reply->result, batch.size());
    if (!read) return read.error();
    for (std::size_t i = 0; i < batch.size(); ++i) outcomes[batch[i]] = (*read)[i];
  }
  return outcomes;
}

// Updated when every lead still there was updated; a lead deleted since the lookup (1004)
// needs nothing more, so only other refusals reject the address.
WriteBackResult settle(const std::string& email, const std::vector<int64_t>& ids, const Outcomes& outcomes) {
  WriteBackResult settled{email, WriteBackStatus::not_found, {}, {}};
  for (int64_t id : ids) {
    const WriteBackResult one = result_of(email, outcomes.at(id));
    if (one.status == WriteBackStatus::updated) settled.lead_ids.push_back(id);
    if (one.status == WriteBackStatus::rejected) return one;
  }
  if (!settled.lead_ids.empty()) settled.status = WriteBackStatus::updated;
  return settled;
}

// The write-back of addresses several leads share: look their ids up, update each lead.
Result<std::vector<WriteBackResult>> write_back_shared(RestCaller& rest, const Credentials& credentials,
                                                       const Endpoint& endpoint, const std::vector<std::string>& emails,
                                                       std::string_view reason) {
  std::vector<std::string> lookable;
  std::copy_if(emails.begin(), emails.end(), std::back_inserter(lookable), can_look_up);
  auto ids = ids_by_email(rest, credentials, endpoint, lookable);
  if (!ids) return ids.error();
  std::set<int64_t> unique;
  for (const auto& [email, lead_ids] : *ids) unique.insert(lead_ids.begin(), lead_ids.end());
  const std::vector<int64_t> all(unique.begin(), unique.end());
  Result<Outcomes> outcomes = update_by_id(rest, credentials, endpoint, all, reason);
  if (!outcomes) return outcomes.error();

  std::vector<WriteBackResult> results;
  for (const std::string& email : emails) {
    if (!can_look_up(email)) {
      results.push_back(WriteBackResult{email, WriteBackStatus::rejected, {}, kUnresolvable});
      continue;
    }
    auto found = ids->find(lowercase_ascii(email));
    results.push_back(found == ids->end() ? WriteBackResult{email, WriteBackStatus::not_found, {}, {}}
                                          : settle(email, found->second, *outcomes));
  }
  return results;
}

}  // namespace

Result<std::vector<WriteBackResult>> write_back_unsubscribes(RestCaller& rest, const Credentials& credentials,
                                                             const Endpoint& endpoint,
                                                             std::span<const std::string> emails,
                                                             std::string_view reason) {
  Result<ReplyEnvelope> reply =
      rest.call(credentials, endpoint.instance, unsubscribe_by_email(endpoint, emails, reason), kUpdateKind);
  if (!reply) return reply.error();
  Result<std::vector<RecordOutcome>> outcomes = record_outcomes(reply->result, emails.size());
  if (!outcomes) return outcomes.error();

  std::vector<WriteBackResult> results;
  std::vector<std::size_t> shared_at;  // where the addresses several leads share sit
  std::vector<std::string> shared;
  for (std::size_t i = 0; i < emails.size(); ++i) {
    results.push_back(result_of(emails[i], (*outcomes)[i]));
    if ((*outcomes)[i].kind != RecordOutcome::Kind::several_leads) continue;
    shared_at.push_back(i);
    shared.push_back(emails[i]);
  }
  if (shared.empty()) return results;
  Result<std::vector<WriteBackResult>> resolved = write_back_shared(rest, credentials, endpoint, shared, reason);
  if (!resolved) return resolved.error();
  for (std::size_t k = 0; k < shared_at.size(); ++k) results[shared_at[k]] = std::move((*resolved)[k]);
  return results;
}

}  // namespace sg::marketo
