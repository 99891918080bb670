#include "sending/personalize.h"

#include <kainjow/mustache.hpp>
#include <set>

#include "sending/template_limits.h"

namespace sg::sending {
namespace mustache = kainjow::mustache;

namespace {

// Resolves names among one recipient's variables only. Remembers every name it could not
// resolve, and stops handing out values once they add up to more than an email may hold,
// so a short template repeating a long value cannot fill memory before the size check.
class RecipientContext final : public mustache::context<std::string> {
 public:
  using mustache::context<std::string>::context;
  const mustache::data* get(const std::string& name) const override {
    const auto* found = mustache::context<std::string>::get(name);
    if (!found) {
      missing.insert(name);
      return nullptr;
    }
    if (found->is_string() && (supplied += found->string_value().size()) > kMaxRenderedBytes) {
      too_large = true;
      return nullptr;
    }
    return found;
  }
  // A value is data, never a template: no partial resolves (compile() refuses them too).
  const mustache::data* get_partial(const std::string&) const override { return nullptr; }

  mutable std::set<std::string> missing;
  mutable size_t supplied = 0;
  mutable bool too_large = false;
};

}  // namespace

struct Personalizer::Templates {
  mustache::mustache subject, text, html;
};

Personalizer::Personalizer(std::unique_ptr<Templates> t) : templates_(std::move(t)) {}
Personalizer::Personalizer(Personalizer&&) noexcept = default;
Personalizer& Personalizer::operator=(Personalizer&&) noexcept = default;
Personalizer::~Personalizer() = default;

Result<Personalizer> Personalizer::compile(const std::string& subject, const std::string& text,
                                           const std::string& html) {
  for (auto [field, source] : {std::pair{"subject", &subject}, {"text", &text}, {"html", &html}})
    if (Status s = check_template_shape(field, *source); !s) return s.error();
  auto t = std::make_unique<Templates>(Templates{mustache::mustache(subject), mustache::mustache(text),
                                                 mustache::mustache(html)});
  for (auto [field, tmpl] : {std::pair{"subject", &t->subject}, {"text", &t->text}, {"html", &t->html}})
    if (!tmpl->is_valid())
      return Error::invalid(field, std::string(field) + " is not a valid template: " + tmpl->error_message());
  auto verbatim = [](const std::string& s) { return s; };
  t->subject.set_custom_escape(verbatim);
  t->text.set_custom_escape(verbatim);
  return Personalizer(std::move(t));
}

Result<Personalized> Personalizer::render(const std::map<std::string, std::string>& vars) {
  mustache::data data(mustache::data::type::object);
  for (const auto& [k, v] : vars) data.set(k, v);
  RecipientContext ctx(&data);
  Templates& t = *templates_;
  Personalized out{t.subject.render(ctx), t.text.render(ctx), t.html.render(ctx)};
  if (ctx.too_large || out.subject.size() + out.text.size() + out.html.size() > kMaxRenderedBytes)
    return Error::invalid("", "a personalized email larger than the " + std::to_string(kMaxRenderedBytes) +
                                  "-byte (1 MB) limit");
  if (!ctx.missing.empty()) {
    std::string names;
    for (const auto& n : ctx.missing) names += (names.empty() ? "" : ", ") + ("{{" + n + "}}");
    return Error::invalid("", "no value for " + names);
  }
  return out;
}

}  // namespace sg::sending
