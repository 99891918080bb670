// RecordingSubmission: an in-memory smtp::Submission for the listener's tests. One user
// (ann@acme.test, password tok_ann) who may send as herself; records every call; the next
// answer of each call can be set to an error. Thread-safe: the server calls it from workers.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "smtp/submission.h"

namespace sg::testing {

class RecordingSubmission : public smtp::Submission {
 public:
  struct Submitted {
    smtp::Envelope envelope;
    std::string message;
  };

  Result<smtp::Login> authenticate(std::string_view username, std::string_view password,
                                   std::string_view client) override {
    std::lock_guard lock(mu_);
    clients_.emplace_back(client);
    if (auth_error) return *auth_error;
    if (username != "ann@acme.test" || password != "tok_ann") return Error::unauthorized("bad credentials");
    return smtp::Login{"team_1", "user_ann", std::string(username), std::nullopt};
  }

  Status may_send_as(const smtp::Login& login, std::string_view reverse_path) override {
    std::lock_guard lock(mu_);
    if (reverse_path != login.username) return Error::forbidden("You may send only as " + login.username);
    return {};
  }

  Result<std::string> submit(const smtp::Login&, const smtp::Envelope& envelope, std::string message) override {
    std::lock_guard lock(mu_);
    if (submit_error) return *std::exchange(submit_error, std::nullopt);
    submitted_.push_back({envelope, std::move(message)});
    return "em_" + std::to_string(submitted_.size());
  }

  std::vector<Submitted> submitted() const {
    std::lock_guard lock(mu_);
    return submitted_;
  }
  std::vector<std::string> clients() const {
    std::lock_guard lock(mu_);
    return clients_;
  }

  // Set before the calls they answer (not while a server is serving).
  std::optional<Error> auth_error;    // every authenticate fails with it
  std::optional<Error> submit_error;  // the next submit fails with it

 private:
  mutable std::mutex mu_;
  std::vector<Submitted> submitted_;
  std::vector<std::string> clients_;
};

}  // namespace sg::testing
