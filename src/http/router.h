// Router: maps method + path pattern ("/api/v1/emails/{id}") to a handler and fills
// path parameters. Unknown paths are 404, known paths with another method 405.
// Built once at start, then read-only (thread-safe).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/types.h"

namespace sg::http {

using Route = std::function<Response(Request&)>;

class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Route route);
  // Also tells which pattern matched ("" when none), for metrics without id cardinality.
  Response dispatch(Request& request, std::string& matched_pattern) const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Route route;
  };
  static bool match(const Entry& e, const std::vector<std::string>& path, Request& request);
  std::vector<Entry> entries_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace sg::http
