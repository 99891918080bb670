#include "http/router.h"

#include "http/errors.h"

namespace sg::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Route route) {
  entries_.push_back({method, pattern, split_path(pattern), std::move(route)});
}

bool Router::match(const Entry& e, const std::vector<std::string>& path, Request& request) {
  if (e.segments.size() != path.size()) return false;
  std::map<std::string, std::string> params;
  for (size_t i = 0; i < path.size(); ++i) {
    const std::string& seg = e.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') params[seg.substr(1, seg.size() - 2)] = path[i];
    else if (seg != path[i]) return false;
  }
  request.path_params = std::move(params);
  return true;
}

Response Router::dispatch(Request& request, std::string& matched_pattern) const {
  auto path = split_path(request.path);
  std::string allowed;
  for (const auto& e : entries_) {
    if (!match(e, path, request)) continue;
    matched_pattern = e.pattern;
    if (e.method == request.method || (e.method == "GET" && request.method == "HEAD"))
      return e.route(request);
    allowed += (allowed.empty() ? "" : ", ") + e.method;
  }
  if (!allowed.empty()) {
    Response res =
        error_response(Error::make(errc::method_not_allowed, request.method + " is not supported on " + request.path));
    res.headers.emplace_back("Allow", allowed);
    return res;
  }
  matched_pattern.clear();
  return error_response(Error::not_found("no such endpoint: " + request.path));
}

}  // namespace sg::http
