#include "marketo/connection_checks.h"

#include "marketo/error_codes.h"

namespace sg::marketo {

namespace {

// Marketo's REST API reveals neither the API user's role nor a dry run of an update: the
// only test of write access is a write, and a connection check must not change a lead.
constexpr std::string_view kWriteBackWarning =
    "not checked: Marketo has no read-only way to tell whether the API user may update people. The one-click "
    "unsubscribe write-back needs the Read-Write Lead permission of the API user's role (Admin > Users & Roles "
    "> Roles > Access API); without it, write-backs fail with marketo_access_denied";

// Each check's message is ours: what an endpoint answered is logged, never echoed (it may
// be any server's text).
std::string rest_cause(const Error& error, std::string_view permission) {
  if (error.code == errc::access_denied)
    return "the API user's role lacks the " + std::string(permission) +
           " permission (Admin > Users & Roles > Roles > Access API)";
  if (error.code == errc::rest_not_found)
    return "the REST endpoint has no such API (Marketo error 610 or HTTP 404): use the REST endpoint shown in "
           "Admin > Web Services, which ends in /rest";
  if (error.code == errc::token_rejected)
    return "the REST endpoint did not accept the Identity endpoint's token: both must belong to the same instance";
  if (error.code == errc::address_refused) return "the REST endpoint resolves to an internal address";
  return "the REST endpoint could not be reached or did not answer as Marketo does";
}

std::string rest_code(const Error& error) {
  if (error.code == errc::token_rejected) return std::string(errc::rest_auth_failed);
  if (error.code == errc::access_denied || error.code == errc::rest_not_found ||
      error.code == errc::address_refused)
    return error.code;
  return std::string(errc::rest_unreachable);
}

std::string token_cause(const Error& error) {
  if (error.code == errc::auth_failed) return "the Identity endpoint refused the client id and secret";
  if (error.code == errc::address_refused) return "the Identity endpoint resolves to an internal address";
  if (error.code == errc::unreachable) return "the Identity endpoint could not be reached";
  return "the Identity endpoint did not answer as Marketo does";
}

}  // namespace

ConnectionCheck token_check(const Status& outcome) {
  if (outcome) return ConnectionCheck{std::string(kTokenCheck), true, {}, {}, {}};
  return ConnectionCheck{std::string(kTokenCheck), false, outcome.error().code, token_cause(outcome.error()), {}};
}

ConnectionCheck read_check(std::string_view name, const Status& outcome, std::string_view permission) {
  if (outcome) return ConnectionCheck{std::string(name), true, {}, {}, {}};
  return ConnectionCheck{std::string(name), false, rest_code(outcome.error()),
                         rest_cause(outcome.error(), permission), {}};
}

ConnectionCheck not_tried(std::string_view name) {
  return ConnectionCheck{std::string(name), std::nullopt, {}, "not checked without a token", {}};
}

ConnectionCheck write_back_check() {
  return ConnectionCheck{std::string(kWriteBackCheck), std::nullopt, {}, {}, std::string(kWriteBackWarning)};
}

}  // namespace sg::marketo
