// Personalizer: placeholders filled per recipient, HTML escaping in the HTML body only,
// missing values and malformed templates reported as errors naming what is wrong.
#include "sending/personalize.h"

#include <gtest/gtest.h>

#include <tuple>

#include "sending/template_limits.h"

namespace sg::sending {
namespace {

Personalizer compiled(const std::string& subject, const std::string& text, const std::string& html) {
  auto p = Personalizer::compile(subject, text, html);
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return std::move(p).value();
}

TEST(Personalize, FillsEveryPlaceholderInEveryPart) {
  // Given one template per part, each using the recipient's variables,
  auto p = compiled("Hi {{first}}", "Dear {{first}} at {{company}},", "<p>{{first}} / {{company}}</p>");
  // then each part is filled from the same variables.
  auto out = p.render({{"first", "Ann"}, {"company", "Acme"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Hi Ann", out->subject);
  EXPECT_EQ("Dear Ann at Acme,", out->text);
  EXPECT_EQ("<p>Ann / Acme</p>", out->html);
}

TEST(Personalize, OneCompiledTemplateRendersEachRecipientIndependently) {
  auto p = compiled("Hi {{first}}", "{{first}}", "{{first}}");
  auto ann = p.render({{"first", "Ann"}});
  auto bob = p.render({{"first", "Bob"}});
  ASSERT_TRUE(ann);
  ASSERT_TRUE(bob);
  EXPECT_EQ("Hi Ann", ann->subject);
  EXPECT_EQ("Hi Bob", bob->subject);
}

TEST(Personalize, EscapesHtmlSpecialCharactersInTheHtmlBodyOnly) {
  // Given a value with every character HTML escapes,
  auto p = compiled("Re: {{v}}", "Text: {{v}}", "<b>{{v}}</b>");
  auto out = p.render({{"v", "<a href=\"x\">Tom & Jerry's</a>"}});
  ASSERT_TRUE(out);
  // then only the HTML body carries entities; subject and text are verbatim.
  EXPECT_EQ("<b>&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;</b>", out->html);
  EXPECT_EQ("Re: <a href=\"x\">Tom & Jerry's</a>", out->subject);
  EXPECT_EQ("Text: <a href=\"x\">Tom & Jerry's</a>", out->text);
}

TEST(Personalize, EachEscapedCharacterMapsToItsEntity) {
  auto p = compiled("{{v}}", "{{v}}", "{{v}}");
  auto out = p.render({{"v", "<&>\"'"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("&lt;&amp;&gt;&quot;&apos;", out->html);
  EXPECT_EQ("<&>\"'", out->subject);
  EXPECT_EQ("<&>\"'", out->text);
}

TEST(Personalize, MissingPlaceholderIsAnErrorNamingIt) {
  auto p = compiled("Hi {{first}}", "", "");
  auto out = p.render({});
  ASSERT_FALSE(out);
  EXPECT_EQ("invalid_request", out.error().code);
  EXPECT_EQ("no value for {{first}}", out.error().message);
  EXPECT_EQ("", out.error().field);  // the caller names the recipient
}

TEST(Personalize, EveryMissingPlaceholderIsListedOnceAcrossAllParts) {
  // Given placeholders missing in subject, text and html (one of them twice),
  auto p = compiled("{{zeta}} {{first}}", "{{company}} {{first}}", "<p>{{alpha}}</p>");
  auto out = p.render({{"first", "Ann"}});
  // then each missing name appears once, sorted.
  ASSERT_FALSE(out);
  EXPECT_EQ("invalid_request", out.error().code);
  EXPECT_EQ("no value for {{alpha}}, {{company}}, {{zeta}}", out.error().message);
}

TEST(Personalize, AnEmptyValueIsAValueNotAMissingPlaceholder) {
  auto p = compiled("Hi {{first}}!", "", "");
  auto out = p.render({{"first", ""}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Hi !", out->subject);
}

TEST(Personalize, UnusedVariablesAreIgnored) {
  auto p = compiled("Hi {{first}}", "", "");
  auto out = p.render({{"first", "Ann"}, {"last", "Lee"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Hi Ann", out->subject);
}

TEST(Personalize, MalformedSubjectIsInvalidRequestNamingSubject) {
  auto p = Personalizer::compile("Hi {{first", "ok", "ok");
  ASSERT_FALSE(p);
  EXPECT_EQ("invalid_request", p.error().code);
  EXPECT_EQ("subject", p.error().field);
  EXPECT_EQ(0u, p.error().message.rfind("subject is not a valid template: ", 0)) << p.error().message;
}

TEST(Personalize, MalformedTextIsInvalidRequestNamingText) {
  auto p = Personalizer::compile("ok", "{{#items}}never closed", "ok");
  ASSERT_FALSE(p);
  EXPECT_EQ("invalid_request", p.error().code);
  EXPECT_EQ("text", p.error().field);
  EXPECT_EQ(0u, p.error().message.rfind("text is not a valid template: ", 0)) << p.error().message;
}

TEST(Personalize, MalformedHtmlIsInvalidRequestNamingHtml) {
  auto p = Personalizer::compile("ok", "ok", "<p>{{/closed}}</p>");
  ASSERT_FALSE(p);
  EXPECT_EQ("invalid_request", p.error().code);
  EXPECT_EQ("html", p.error().field);
  EXPECT_EQ(0u, p.error().message.rfind("html is not a valid template: ", 0)) << p.error().message;
}

TEST(Personalize, TheFirstMalformedPartIsTheOneNamed) {
  auto p = Personalizer::compile("ok", "{{broken", "{{broken");
  ASSERT_FALSE(p);
  EXPECT_EQ("text", p.error().field);
}

TEST(Personalize, UnicodeValuesPassThroughUnchanged) {
  auto p = compiled("Grüße, {{name}}", "{{name}} — {{city}}", "<p>{{name}} {{city}}</p>");
  auto out = p.render({{"name", "José Ñúñez 日本 🎉"}, {"city", "Zürich"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Grüße, José Ñúñez 日本 🎉", out->subject);
  EXPECT_EQ("José Ñúñez 日本 🎉 — Zürich", out->text);
  EXPECT_EQ("<p>José Ñúñez 日本 🎉 Zürich</p>", out->html);
}

TEST(Personalize, TemplateWithoutPlaceholdersRendersVerbatimWithNoVariables) {
  auto p = compiled("Quarterly update", "Plain text & more", "<p>Tom &amp; Jerry</p>");
  auto out = p.render({});
  ASSERT_TRUE(out);
  EXPECT_EQ("Quarterly update", out->subject);
  EXPECT_EQ("Plain text & more", out->text);
  EXPECT_EQ("<p>Tom &amp; Jerry</p>", out->html);  // template text itself is never escaped
}

TEST(Personalize, EmptyTemplatesRenderEmpty) {
  auto p = compiled("", "", "");
  auto out = p.render({{"first", "Ann"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("", out->subject);
  EXPECT_EQ("", out->text);
  EXPECT_EQ("", out->html);
}

TEST(Personalize, AValueThatLooksLikeAPlaceholderIsNotExpanded) {
  // Given a value carrying mustache syntax (a recipient cannot inject template code),
  auto p = compiled("Hi {{first}}", "{{first}}", "{{first}}");
  auto out = p.render({{"first", "{{secret}}"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Hi {{secret}}", out->subject);
  EXPECT_EQ("{{secret}}", out->html);
}

TEST(Personalize, TripleMustacheLeavesHtmlUnescaped) {
  auto p = compiled("", "", "{{{raw}}} {{raw}}");
  auto out = p.render({{"raw", "<b>"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("<b> &lt;b&gt;", out->html);
}

TEST(Personalize, LineBreaksInValuesReachTheSubjectForTheCallerToRefuse) {
  // The personalizer does not validate headers; callers check the rendered subject.
  auto p = compiled("Hi {{first}}", "", "");
  auto out = p.render({{"first", "Ann\r\nBcc: x@y.com"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("Hi Ann\r\nBcc: x@y.com", out->subject);
}

// --- hostile templates and values ---

std::string nested(size_t depth, const std::string& open = "{{#a}}", const std::string& close = "{{/a}}") {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += open;
  out += "x";
  for (size_t i = 0; i < depth; ++i) out += close;
  return out;
}

TEST(Personalize, APartialInATemplateIsRefusedNamingTheField) {
  // A partial's name would be looked up among the vars and the value compiled as a template.
  for (auto [subject, text, html, field] : {std::tuple{"{{>p}}", "", "", "subject"}, {"", "a {{> p }} b", "", "text"},
                                            {"", "", "{{=<% %>=}}<%>p%>", "html"}}) {
    auto p = Personalizer::compile(subject, text, html);
    ASSERT_FALSE(p) << field;
    EXPECT_EQ("invalid_request", p.error().code);
    EXPECT_EQ(field, p.error().field);
    EXPECT_NE(std::string::npos, p.error().message.find("partial")) << p.error().message;
  }
}

TEST(Personalize, AValueNamingAPartialIsRenderedAsPlainText) {
  auto p = compiled("{{p}}", "{{{p}}}", "{{p}}");
  auto out = p.render({{"p", "{{>p}}"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("{{>p}}", out->subject);
  EXPECT_EQ("{{>p}}", out->text);
}

TEST(Personalize, SectionsNestedUpToTheLimitRender) {
  auto p = compiled("", nested(kMaxSectionDepth), "");
  auto out = p.render({{"a", "yes"}});
  ASSERT_TRUE(out);
  EXPECT_EQ("x", out->text);
}

TEST(Personalize, SectionsNestedDeeperThanTheLimitAreRefusedBeforeParsing) {
  // 5,000 levels fit in 100 KB; 10,000 took 640 MB inside the mustache library.
  for (size_t depth : {kMaxSectionDepth + 1, size_t{5000}}) {
    auto p = Personalizer::compile("", nested(depth), "");
    ASSERT_FALSE(p) << depth;
    EXPECT_EQ("text", p.error().field);
    EXPECT_EQ("text nests sections more than 16 levels deep (the limit)", p.error().message);
  }
  // The 20,000 levels (240 KB), which overflowed the stack, break the size limit first.
  auto p = Personalizer::compile("", nested(20000), "");
  ASSERT_FALSE(p);
  EXPECT_EQ("text", p.error().field);
  // Inverted sections count, and so do sections under changed delimiters.
  EXPECT_FALSE(Personalizer::compile(nested(17, "{{^a}}"), "", ""));
  EXPECT_FALSE(Personalizer::compile("", "", "{{=<% %>=}}" + nested(17, "<%#a%>", "<%/a%>")));
  EXPECT_FALSE(Personalizer::compile("", "", "{{{=<% %>=}}}" + nested(17, "<%#a%>", "<%/a%>")));
}

TEST(Personalize, SiblingSectionsDoNotAddUpToDepth) {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "{{#a}}x{{/a}}";
  EXPECT_TRUE(Personalizer::compile("", many, ""));
}

TEST(Personalize, ATemplateOverTheSizeLimitIsRefusedNamingTheField) {
  EXPECT_TRUE(Personalizer::compile("", "", std::string(kMaxTemplateBytes, 'x')));
  auto p = Personalizer::compile("", "", std::string(kMaxTemplateBytes + 1, 'x'));
  ASSERT_FALSE(p);
  EXPECT_EQ("html", p.error().field);
  EXPECT_NE(std::string::npos, p.error().message.find("at most 102400 bytes")) << p.error().message;
}

TEST(Personalize, AnEmailRenderedLargerThanTheLimitIsRefused) {
  // Given a short template repeating one value: 1,000 copies of 2 KB are 2 MB,
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "{{v}}";
  auto p = compiled("", text, "");
  auto out = p.render({{"v", std::string(2048, 'x')}});
  ASSERT_FALSE(out);
  EXPECT_EQ("invalid_request", out.error().code);
  EXPECT_NE(std::string::npos, out.error().message.find("1 MB")) << out.error().message;
  // while 1,000 copies of 1 KB fit.
  EXPECT_TRUE(p.render({{"v", std::string(1000, 'x')}}));
}

TEST(Personalize, TheRenderedLimitCoversSubjectTextAndHtmlTogether) {
  auto p = compiled("{{v}}", "{{v}}", "{{v}}");
  EXPECT_TRUE(p.render({{"v", std::string(300 * 1024, 'x')}}));
  EXPECT_FALSE(p.render({{"v", std::string(400 * 1024, 'x')}}));
}

}  // namespace
}  // namespace sg::sending
