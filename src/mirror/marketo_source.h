// Marketo as a source of the gate: the team's stored connection asked through the REST
// client, every answer also written to the mirror with its time. Refuses with reason
// "marketo_unsubscribed"; on for a team while its Marketo check is. Thread-safe.
#pragma once

#include "gate/checked_source.h"
#include "marketo/error_codes.h"
#include "marketo/marketo_client.h"
#include "mirror/mirror_stores.h"

namespace sg::mirror {

inline constexpr std::string_view kMarketoSourceName = "marketo";

class MarketoSource final : public gate::SuppressionSource {
 public:
  MarketoSource(MirrorStores stores, marketo::Client& client, Clock& clock)
      : stores_(stores), client_(client), clock_(clock) {}
  // Error marketo_not_connected when the team has no connection.
  Result<std::unordered_set<std::string>> unsubscribed_among(
      const std::string& team_id, const std::vector<std::string>& keys) override;

 private:
  MirrorStores stores_;
  marketo::Client& client_;
  Clock& clock_;
};

// The gate's entry for Marketo: `asked` is the source the gate calls (this one, or it
// behind coalescing and per-team bounds), `mirror` the synced copy consulted first.
gate::CheckedSource marketo_checked_source(gate::SuppressionSource& asked, gate::Mirror* mirror);

// Why Marketo could not answer, in words of our own: this reaches API answers and the
// emails log, and what Marketo's endpoint (or curl) said must not (only the log has it).
std::string describe_marketo_unavailable(std::string_view code);

marketo::Credentials credentials_of(const store::MarketoConnection& c);

}  // namespace sg::mirror
