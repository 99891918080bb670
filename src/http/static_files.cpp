// The web app's static files. Unknown paths get index.html so client-side routes load.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/api.h"
#include "http/errors.h"

namespace sg::http {
namespace {

std::string content_type(const std::filesystem::path& p) {
  static const std::map<std::string, std::string> kTypes{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
      {".json", "application/json"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"}};
  auto it = kTypes.find(p.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::optional<std::string> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Response Api::static_file(const Request& request) const {
  namespace fs = std::filesystem;
  if (s_.options.web_dir.empty()) return error_response(Error::not_found("no such page: " + request.path));
  std::error_code ec;
  fs::path root = fs::weakly_canonical(s_.options.web_dir, ec);
  fs::path wanted = fs::weakly_canonical(root / request.path.substr(1), ec);
  // Never serve outside the web folder ("/../../etc/passwd").
  auto [r, w] = std::mismatch(root.begin(), root.end(), wanted.begin(), wanted.end());
  bool inside = !ec && r == root.end();
  if (!inside || !fs::is_regular_file(wanted, ec)) wanted = root / "index.html";
  auto body = read_file(wanted);
  if (!body) return error_response(Error::not_found("no such page: " + request.path));
  Response res{200, content_type(wanted), std::move(*body), {}};
  // Pages must not be framed by other sites (clickjacking); scripts come only from here.
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return res;
}

}  // namespace sg::http
