// Caller: the authenticated user every service call acts for, and the one rule for
// admin-only actions, so every way in (API, web UI, later SMTP) refuses alike.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sg {

struct Caller {
  std::string user_id;
  std::string team_id;
  std::string email;
  bool admin = false;
};

// Success for a team admin; otherwise forbidden, "only a team admin may <action>".
Status require_admin(const Caller& caller, std::string_view action);

}  // namespace sg
