#include "mirror/marketo_source.h"

#include <unordered_map>

namespace sg::mirror {

marketo::Credentials credentials_of(const store::MarketoConnection& c) {
  return {c.rest_endpoint, c.identity_endpoint, c.client_id, c.client_secret};
}

Result<std::unordered_set<std::string>> MarketoSource::unsubscribed_among(
    const std::string& team_id, const std::vector<std::string>& keys) {
  auto connection = stores_.connections.get(team_id);
  if (!connection) return Error::make(marketo::errc::not_connected, "the team has no Marketo connection");
  const TimePoint asked = clock_.now();  // a webhook's news that comes meanwhile is kept
  auto answer = client_.unsubscribed_among(credentials_of(*connection), keys);
  if (answer) {
    store::MirrorNews news;
    for (const auto& k : keys) news.emplace_back(k, answer->count(k) > 0);
    stores_.marketo_sync.mirror(team_id, connection->rest_endpoint, news, asked);
  }
  return answer;
}

std::string describe_marketo_unavailable(std::string_view code) {
  namespace errc = marketo::errc;
  static const std::unordered_map<std::string_view, std::string_view> kWords{
      {errc::unreachable, "the Marketo endpoint could not be reached"},
      {errc::busy, "too many of the team's requests are already waiting on Marketo"},
      {errc::rate_limited, "Marketo's rate limit was reached"},
      {errc::quota_exceeded, "Marketo's daily API quota is spent"},
      {errc::budget_exhausted, "Sendguard's daily budget of Marketo calls is spent"},
      {errc::not_connected, "the team has no Marketo connection"},
      {errc::auth_failed, "Marketo refused the connection's credentials"},
      {errc::token_rejected, "Marketo's REST endpoint refused the connection's token"},
      {errc::access_denied, "the Marketo API user may not read leads"},
      {errc::address_refused, "the Marketo endpoint resolves to an internal address"},
      {errc::too_many_matches, "more than 1,000 Marketo leads share the address"},
  };
  auto it = kWords.find(code);
  return it == kWords.end() ? "" : std::string(it->second);
}

gate::CheckedSource marketo_checked_source(gate::SuppressionSource& asked, gate::Mirror* mirror) {
  gate::CheckedSource s;
  s.name = kMarketoSourceName;
  s.label = "Marketo";
  s.reason = marketo::errc::unsubscribed;
  s.source = &asked;
  s.cached = true;
  s.mirror = mirror;
  s.describe_unavailable = describe_marketo_unavailable;
  s.never_answers = [](std::string_view code) { return code == marketo::errc::too_many_matches; };
  s.back_soon = [](std::string_view code) { return code == marketo::errc::rate_limited; };
  return s;
}

}  // namespace sg::mirror
