// Personalizer: fills {{name}} placeholders of a subject, text and HTML body from one
// recipient's variables, using kainjow mustache. Values are HTML-escaped in the HTML
// body only. A placeholder a recipient has no value for is an error, never a blank.
// Values are data: never compiled as templates (no partials, no lambdas). Template shape
// and rendered size are bounded (sending/template_limits.h).
// Compile once, render per recipient. mustache::render is not const, so neither is
// render(): rendering in place (a copy per recipient cost more than the render itself)
// means one Personalizer serves one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/result.h"

namespace sg::sending {

struct Personalized {
  std::string subject, text, html;
};

class Personalizer {
 public:
  // Errors: invalid_request naming "subject", "text" or "html" when a template is malformed,
  // too large, nested too deep or uses a partial.
  static Result<Personalizer> compile(const std::string& subject, const std::string& text,
                                      const std::string& html);
  // Errors: invalid_request listing the placeholders `vars` lacks, or saying the email is
  // over kMaxRenderedBytes (field left to the caller; the message reads after "has ").
  Result<Personalized> render(const std::map<std::string, std::string>& vars);

  Personalizer(Personalizer&&) noexcept;
  Personalizer& operator=(Personalizer&&) noexcept;
  ~Personalizer();

 private:
  struct Templates;
  explicit Personalizer(std::unique_ptr<Templates> t);
  std::unique_ptr<Templates> templates_;
};

}  // namespace sg::sending
