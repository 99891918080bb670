// Which activities of the feed change a lead's unsubscribe, and which of those are only
// the echo of Sendguard's own write-back. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "marketo/types.h"

namespace sg::mirror {

// The instance's numbering: activity type ids (MARKETO.md's 9 and 13 unless types.json
// says otherwise) and the id of the `unsubscribed` field (from describe.json).
struct FeedIds {
  int unsubscribe_email = 9;
  int change_data_value = 13;
  std::optional<int64_t> unsubscribed_field;  // unknown: Change Data Value is matched by name
  // Set while the mirror is to know every unsubscribed address (a seeded mirror): a lead
  // created ("New Lead", 12), or one whose address changed (Change Data Value of `email`),
  // may be unsubscribed at an address the mirror has never seen.
  std::optional<int> new_lead;
  std::optional<int64_t> email_field;  // unknown: matched by its display name
};

// The activity types to read: the unsubscribe changes, and new leads when watched.
std::vector<int> feed_types(const FeedIds& ids);

// An Unsubscribe Email, or a Change Data Value of `unsubscribed`: by the field's id when
// both the instance and the activity give one (an admin may relabel the display name),
// else by the display name.
bool is_unsubscribe_change(const marketo::Activity& activity, const FeedIds& ids);
// A lead created, or given another address, while FeedIds::new_lead is set.
bool brings_an_address(const marketo::Activity& activity, const FeedIds& ids);

// Leads Sendguard wrote back as unsubscribed, by lead id, with the address written.
using WrittenBack = std::map<int64_t, std::string>;

// The unsubscribe changes of `activities` (and the leads that brought an address),
// split: `echoed` maps the leads whose every change is the echo of our write-back (a
// Change Data Value to true from "Web service API" on a lead in `written_back`) to the
// address written; every other lead with a change is in `to_look_up`. Anything else on
// such a lead (a resubscribe after it, an Unsubscribe Email) means asking Marketo: an
// echo is never trusted for "subscribed".
struct UnsubscribeChanges {
  std::set<int64_t> to_look_up;
  std::map<int64_t, std::string> echoed;
};
UnsubscribeChanges unsubscribe_changes(const std::vector<marketo::Activity>& activities, const FeedIds& ids,
                                       const WrittenBack& written_back);

}  // namespace sg::mirror
