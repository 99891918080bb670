// Personalization: compile a subject, text and HTML template, render them with one
// recipient's variables. Input fields: subject, text, html, then name/value pairs.
#include "fuzz_input.h"
#include "sending/personalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sg::sending::Personalizer;
  auto fields = sg::fuzz::split_fields(data, size);
  std::map<std::string, std::string> vars;
  for (size_t i = 3; i + 1 < fields.size(); i += 2) vars[std::string(fields[i])] = std::string(fields[i + 1]);

  auto personalizer = Personalizer::compile(std::string(sg::fuzz::field(fields, 0)),
                                            std::string(sg::fuzz::field(fields, 1)),
                                            std::string(sg::fuzz::field(fields, 2)));
  if (!personalizer) {
    FUZZ_REQUIRE(personalizer.error().code == "invalid_request");
    return 0;
  }
  auto first = personalizer->render(vars);
  auto second = personalizer->render(vars);
  FUZZ_REQUIRE(first.ok() == second.ok());
  if (first) FUZZ_REQUIRE(first->subject == second->subject && first->text == second->text &&
                          first->html == second->html);

  // A value is data, never a template: a placeholder in plain text yields it verbatim.
  for (const auto& [name, value] : vars) {
    auto echo = Personalizer::compile("", "{{v}}", "");
    FUZZ_REQUIRE(echo.ok());
    auto rendered = echo->render({{"v", value}});
    FUZZ_REQUIRE(rendered.ok() && rendered->text == value);
  }
  return 0;
}
