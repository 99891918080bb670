#include "sending/personalize.h"

#include <kainjow/mustache.hpp>
#include <set>

namespace sg::sending {
namespace mustache = kainjow::mustache;

namespace {

// A context that remembers every name it could not resolve.
class RecordingContext final : public mustache::context<std::string> {
 public:
  using mustache::context<std::string>::context;
  const mustache::data* get(const std::string& name) const override {
    const auto* found = mustache::context<std::string>::get(name);
    if (!found) missing.insert(name);
    return found;
  }
  mutable std::set<std::string> missing;
};

}  // namespace

struct Personalizer::Templates {
  // mustache::render is not const, so each render works on a copy of these.
  mustache::mustache subject, text, html;
};

Result<Personalizer> Personalizer::compile(const std::string& subject, const std::string& text,
                                           const std::string& html) {
  auto t = std::make_shared<Templates>(Templates{mustache::mustache(subject), mustache::mustache(text),
                                                 mustache::mustache(html)});
  for (auto [field, tmpl] : {std::pair{"subject", &t->subject}, {"text", &t->text}, {"html", &t->html}})
    if (!tmpl->is_valid())
      return Error::invalid(field, std::string(field) + " is not a valid template: " + tmpl->error_message());
  auto verbatim = [](const std::string& s) { return s; };
  t->subject.set_custom_escape(verbatim);
  t->text.set_custom_escape(verbatim);
  return Personalizer(std::move(t));
}

Result<Personalized> Personalizer::render(const std::map<std::string, std::string>& vars) const {
  mustache::data data(mustache::data::type::object);
  for (const auto& [k, v] : vars) data.set(k, v);
  RecordingContext ctx(&data);
  Templates copy = *templates_;
  Personalized out{copy.subject.render(ctx), copy.text.render(ctx), copy.html.render(ctx)};
  if (!ctx.missing.empty()) {
    std::string names;
    for (const auto& n : ctx.missing) names += (names.empty() ? "" : ", ") + ("{{" + n + "}}");
    return Error::invalid("", "no value for " + names);
  }
  return out;
}

}  // namespace sg::sending
