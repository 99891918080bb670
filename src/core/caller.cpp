#include "core/caller.h"

namespace sg {

Status require_admin(const Caller& caller, std::string_view action) {
  if (caller.admin) return Status::success();
  return Error::forbidden("only a team admin may " + std::string(action));
}

}  // namespace sg
