// The activity feed: a reply to activities.json or activities/types.json read into
// activities and types, and the next page requested with the token it carries.
#include <algorithm>

#include "fuzz_input.h"
#include "marketo/activity_feed.h"
#include "marketo/reply_envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sg::marketo;
  auto envelope = parse_reply_envelope(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!envelope) return 0;
  auto activities = read_activities(envelope->result);
  auto types = read_activity_types(envelope->result);
  FUZZ_REQUIRE((!activities || activities->size() == envelope->result.size()) && types.size() <= envelope->result.size());

  static const Endpoint rest = *parse_endpoint("https://123-abc-456.mktorest.com/rest");
  const int type_ids[] = {24, 37};
  auto next = activities_request(rest, envelope->next_page_token, type_ids);
  // The token from the reply is encoded: it cannot add a parameter or leave the URL.
  FUZZ_REQUIRE(next.url.starts_with(rest.url("v1/activities.json?")));
  FUZZ_REQUIRE(std::all_of(next.url.begin(), next.url.end(), [](char c) { return c > 0x20 && c < 0x7F; }));
  FUZZ_REQUIRE(std::count(next.url.begin(), next.url.end(), '&') == 2);
  return 0;
}
