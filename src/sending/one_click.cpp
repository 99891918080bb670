#include "sending/one_click.h"

#include <spdlog/spdlog.h>

namespace sg::sending {

Result<crypto::UnsubscribeScope> OneClickUnsubscribe::inspect(const std::string& token) const {
  auto scope = tokens_.open(token);
  if (!scope) return Error::not_found("this unsubscribe link is not valid");
  return *scope;
}

Result<crypto::UnsubscribeScope> OneClickUnsubscribe::unsubscribe(const std::string& token) {
  auto scope = inspect(token);
  if (!scope) return scope;
  stores_.tx.transaction([&] {
    bool newly_added = stores_.suppressions.add(scope->team_id, scope->email_key, "one_click",
                                                "One-click unsubscribe from sales email", std::nullopt, clock_.now());
    stores_.campaigns.stop_for_address(scope->team_id, scope->email_key, "suppressed", clock_.now());
    // Marketo learns of it too, durably: the write-back is retried until Marketo accepts it.
    if (newly_added && stores_.connections.get(scope->team_id))
      stores_.marketo_sync.enqueue_writeback(scope->team_id, scope->email_key,
                                             "One-click unsubscribe from sales email", clock_.now());
  });
  spdlog::info("one-click unsubscribe for team {}", scope->team_id);
  return scope;
}

}  // namespace sg::sending
