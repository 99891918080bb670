// Caller: the authenticated user every service call acts for.
#pragma once

#include <string>

namespace sg {

struct Caller {
  std::string user_id;
  std::string team_id;
  std::string email;
  bool admin = false;
};

}  // namespace sg
