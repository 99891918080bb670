// FakeRelayCredentials: relay credentials held in memory, each with its plain password.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "settings/relay_credentials.h"

namespace sg::test {

class FakeRelayCredentials final : public settings::RelayCredentials {
 public:
  std::optional<settings::RelayCredential> verify(std::string_view username, std::string_view password) override {
    std::lock_guard lock(mu);
    auto it = credentials.find(std::string(username));
    if (it == credentials.end() || it->second.second != password) return std::nullopt;
    return it->second.first;
  }

  void add(settings::RelayCredential credential, std::string password) {
    std::lock_guard lock(mu);
    std::string username = credential.username;
    credentials[username] = {std::move(credential), std::move(password)};
  }

  std::mutex mu;
  std::map<std::string, std::pair<settings::RelayCredential, std::string>> credentials;  // by username
};

}  // namespace sg::test
