#include "sending/team_policy.h"

#include "mirror/marketo_source.h"

namespace sg::sending {

gate::TeamPolicy team_policy(const store::UnsubscribeSettings& s) {
  gate::TeamPolicy policy;
  policy.on_check_unavailable = s.on_check_unavailable;
  policy.sources[std::string(mirror::kMarketoSourceName)] = {s.marketo_check_enabled, s.mirror_authoritative};
  return policy;
}

}  // namespace sg::sending
