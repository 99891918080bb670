#include "crypto/unsubscribe_token.h"

#include "crypto/tokens.h"

namespace sg::crypto {

std::string UnsubscribeTokens::issue(const UnsubscribeScope& scope) const {
  return base64url(key_.seal(scope.team_id + '\n' + scope.email_key));
}

std::optional<UnsubscribeScope> UnsubscribeTokens::open(std::string_view token) const {
  std::string sealed = base64url_decode(token);
  if (sealed.empty()) return std::nullopt;
  auto plain = key_.open(sealed);
  if (!plain) return std::nullopt;
  size_t nl = plain->find('\n');
  if (nl == std::string::npos) return std::nullopt;
  return UnsubscribeScope{plain->substr(0, nl), plain->substr(nl + 1)};
}

}  // namespace sg::crypto
