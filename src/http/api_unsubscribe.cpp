// Routes: /u/{token}, the one-click unsubscribe links in every delivered message.
// GET only shows a page with a button, so link scanners never unsubscribe anyone.
#include "http/api.h"
#include "http/errors.h"

namespace sg::http {
namespace {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

Response page(int status, const std::string& title, const std::string& body_html) {
  std::string html =
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>" + title + "</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;"
      "margin:4rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}"
      "</style></head><body><h1>" + title + "</h1>" + body_html + "</body></html>";
  return Response{status, "text/html; charset=utf-8", html, {}};
}

Response invalid_link() {
  return page(404, "Link not valid", "<p>This unsubscribe link is not valid. If you copied it, check "
                                     "that it is complete.</p>");
}

}  // namespace

void Api::add_unsubscribe_routes() {
  add_public("GET", "/u/{token}", [this](Request& r) {
    auto scope = s_.one_click.inspect(r.path_params["token"]);
    if (!scope) return invalid_link();
    return page(200, "Unsubscribe",
                "<p>Stop sales emails to <strong>" + html_escape(scope->email_key) + "</strong>?</p>"
                "<form method=\"post\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                "<button type=\"submit\">Unsubscribe</button></form>");
  });
  add_public("POST", "/u/{token}", [this](Request& r) {
    auto scope = s_.one_click.unsubscribe(r.path_params["token"]);
    if (!scope) return invalid_link();
    return page(200, "You are unsubscribed",
                "<p><strong>" + html_escape(scope->email_key) + "</strong> will receive no more sales "
                "emails from this sender.</p>");
  });
}

}  // namespace sg::http
