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
  store_.transaction([&] {
    store_.suppressions().add(scope->team_id, scope->email_key, "one_click",
                              "One-click unsubscribe from sales email", std::nullopt, clock_.now());
    store_.campaigns().stop_for_address(scope->team_id, scope->email_key, "suppressed", clock_.now());
  });
  spdlog::info("one-click unsubscribe for team {}", scope->team_id);
  return scope;
}

}  // namespace sg::sending
