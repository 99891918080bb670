// Result<T>: a value or an Error, the error policy of the core, gate and stores.
// Errors carry a stable snake_case code (API.md's error codes where one applies),
// a human message, and optional details; callers must look at every result.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error_codes.h"

namespace sg {

struct Error {
  std::string code;
  std::string message;
  std::string field;                    // the offending input field, when one is to blame
  std::vector<std::string> recipients;  // addresses the error is about, when any
  int retry_after_seconds = 0;          // when trying again later will help

  // Named constructors; `code` is one of errc:: or a vendor's error_codes.h.
  static Error make(std::string_view code, std::string message) {
    return Error{std::string(code), std::move(message), {}, {}};
  }
  static Error invalid(std::string field, std::string message) {
    return Error{std::string(errc::invalid_request), std::move(message), std::move(field), {}};
  }
  static Error not_found(std::string message = "not found") { return make(errc::not_found, std::move(message)); }
  static Error unauthorized(std::string message) { return make(errc::unauthorized, std::move(message)); }
  static Error forbidden(std::string message) { return make(errc::forbidden, std::move(message)); }
  static Error internal(std::string message) { return make(errc::internal_error, std::move(message)); }
  // The same error, about these addresses.
  Error about(std::vector<std::string> addresses) && {
    recipients = std::move(addresses);
    return std::move(*this);
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// A Result with no value: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}
  static Status success() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace sg
