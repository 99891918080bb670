#include "campaigns/campaign_service.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/email_address.h"
#include "core/fate.h"
#include "crypto/tokens.h"
#include "sending/team_policy.h"
#include "sending/email_factory.h"
#include "sending/personalize.h"
#include "sending/send_validation.h"

namespace sg::campaigns {
namespace json = boost::json;
namespace {

constexpr size_t kMaxName = 200;
constexpr int64_t kMaxDelaySeconds = 365LL * 24 * 3600;

std::string vars_to_json(const std::map<std::string, std::string>& vars) {
  json::object o;
  for (const auto& [k, v] : vars) o[k] = v;
  return json::serialize(o);
}

std::map<std::string, std::string> vars_from_json(const std::string& text) {
  std::map<std::string, std::string> out;
  json::value v = json::parse(text);
  for (const auto& [k, value] : v.as_object()) out[std::string(k)] = std::string(value.as_string());
  return out;
}

// Errors name the step: "steps[2].text".
Result<sending::Personalizer> compile_step(const store::CampaignStep& step, size_t index) {
  auto p = sending::Personalizer::compile(step.subject, step.text, step.html);
  if (p) return p;
  std::string where = "steps[" + std::to_string(index) + "]";
  return Error::invalid(where + "." + p.error().field, where + ": " + p.error().message);
}

Result<sending::Personalized> render_step(const store::CampaignStep& step,
                                          const std::map<std::string, std::string>& vars) {
  auto p = sending::Personalizer::compile(step.subject, step.text, step.html);
  if (!p) return p.error();
  return p->render(vars);
}

Result<std::vector<sending::Personalizer>> compile_steps(const store::Campaign& campaign) {
  std::vector<sending::Personalizer> steps;
  for (size_t i = 0; i < campaign.steps.size(); ++i) {
    auto p = compile_step(campaign.steps[i], i);
    if (!p) return p.error();
    steps.push_back(std::move(p).value());
  }
  return steps;
}

struct NewEnrollments {
  std::vector<store::Enrollment> enrollments;
  std::vector<std::string> keys;                 // lower-cased addresses, in order
  std::unordered_map<std::string, size_t> seen;  // by key: the person's index
};

// Every step must render for every person. Errors: invalid_request naming the recipient.
Result<NewEnrollments> new_enrollments(const Caller& caller, const store::Campaign& campaign,
                                       const std::vector<NewEnrollment>& people,
                                       std::vector<sending::Personalizer>& steps, size_t max_subject_bytes,
                                       TimePoint now) {
  NewEnrollments out;
  for (size_t i = 0; i < people.size(); ++i) {
    std::string where = "recipients[" + std::to_string(i) + "]";
    auto address = EmailAddress::parse(people[i].email);
    if (!address) return Error::invalid(where + ".email", where + ".email: " + address.error().message);
    if (!out.seen.emplace(address->key(), i).second)
      return Error::invalid(where + ".email", where + ".email repeats an earlier recipient (" + address->original() + ")");
    for (auto& step : steps) {
      auto rendered = step.render(people[i].vars);
      if (!rendered)
        return Error::invalid(where + ".vars", where + " (" + address->original() + ") has " + rendered.error().message);
      if (Status ok = sending::check_header_value(where + ".vars", rendered->subject, max_subject_bytes); !ok)
        return Error::invalid(where + ".vars", "the personalized subject for " + where + ": " + ok.error().message);
    }
    out.keys.push_back(address->key());
    out.enrollments.push_back({crypto::random_id("en_"), campaign.id, caller.team_id, address->original(),
                               vars_to_json(people[i].vars), store::EnrollmentState::Active, "", 0,
                               now + std::chrono::seconds(campaign.steps[0].delay_seconds), now, caller.user_id});
  }
  return out;
}

store::EmailRecord step_email(const store::Campaign& campaign, const store::Enrollment& enrollment,
                              const sending::Personalized& content, const std::string& mail_domain, TimePoint now) {
  Caller sender{campaign.user_id, campaign.team_id, campaign.from_email, false};
  auto email = sending::new_email(sender, Workflow::Campaign, store::Source::WebApp,
                                  {{enrollment.email}, {}, {}, content.subject, content.text, content.html},
                                  mail_domain, now);
  email.enrollment_id = enrollment.id;
  email.step_index = enrollment.next_step;
  return email;
}

}  // namespace

CampaignService::CampaignService(CampaignServiceStores stores, gate::UnsubscribeGate& gate, Clock& clock,
                                 Metrics& metrics, sending::SendOptions options)
    : stores_(stores), gate_(gate), clock_(clock), metrics_(metrics), options_(std::move(options)) {}

Result<store::Campaign> CampaignService::create(const Caller& caller, const NewCampaign& in) {
  if (in.name.empty() || in.name.size() > kMaxName)
    return Error::invalid("name", "name must be 1 to 200 characters");
  if (in.steps.empty() || in.steps.size() > kMaxSteps)
    return Error::invalid("steps", "a campaign needs 1 to " + std::to_string(kMaxSteps) + " steps");
  for (size_t i = 0; i < in.steps.size(); ++i) {
    std::string where = "steps[" + std::to_string(i) + "]";
    const auto& s = in.steps[i];
    if (s.delay_seconds < 0 || s.delay_seconds > kMaxDelaySeconds)
      return Error::invalid(where + ".delay_seconds", where + ".delay_seconds must be between 0 and one year");
    if (auto compiled = compile_step(s, i); !compiled) return compiled.error();
    if (s.subject.find_first_of("\r\n") != std::string::npos)
      return Error::invalid(where + ".subject", where + ".subject must not contain line breaks");
  }
  store::Campaign c{crypto::random_id("cp_"), caller.team_id, caller.user_id, caller.email, in.name, in.steps,
                    clock_.now()};
  stores_.campaigns.create(c);
  return c;
}

Result<store::Campaign> CampaignService::get(const Caller& caller, const std::string& id) {
  auto c = stores_.campaigns.find(caller.team_id, id);
  if (!c) return Error::not_found("no campaign with id " + id);
  return *c;
}

std::vector<store::Campaign> CampaignService::list(const Caller& caller) {
  return stores_.campaigns.list(caller.team_id);
}

Result<std::vector<store::Enrollment>> CampaignService::enroll(const Caller& caller, const std::string& campaign_id,
                                                               const std::vector<NewEnrollment>& people) {
  auto campaign = get(caller, campaign_id);
  if (!campaign) return campaign.error();
  // The emails go out From: the owner, so only the owner (or an admin) may choose who gets them.
  if (!caller.admin && caller.user_id != campaign->user_id)
    return Error::forbidden("only the campaign's owner or a team admin may enroll people in it");
  if (people.empty()) return Error::invalid("recipients", "recipients must list at least one person");
  if (people.size() > kMaxEnrollmentsPerRequest)
    return Error::invalid("recipients", "at most " + std::to_string(kMaxEnrollmentsPerRequest) + " people per request");

  auto steps = compile_steps(*campaign);
  if (!steps) return steps.error();

  TimePoint now = clock_.now();
  auto batch = new_enrollments(caller, *campaign, people, *steps, options_.max_subject_bytes, now);
  if (!batch) return batch.error();
  std::optional<Error> conflict;
  stores_.tx.transaction([&] {
    auto already = stores_.campaigns.active_among(campaign->id, batch->keys);
    for (auto& key : already) key = people[batch->seen[key]].email;  // as the caller spelled it
    if (!already.empty()) {
      conflict = Error::make(errc::already_enrolled, "already active in this campaign: " + already.front() +
                                                         (already.size() > 1 ? " and others" : ""))
                     .about(already);
      return;
    }
    for (const auto& e : batch->enrollments) stores_.campaigns.add_enrollment(e);
    stores_.audit.append(
        {caller.team_id, caller.user_id, caller.email, "campaigns.enrolled", std::nullopt,
         json::serialize(json::object{{"campaign_id", campaign->id}, {"count", batch->enrollments.size()}}), now});
  });
  if (conflict) return *conflict;
  return std::move(batch->enrollments);
}

Result<std::vector<store::Enrollment>> CampaignService::enrollments(const Caller& caller,
                                                                    const std::string& campaign_id) {
  auto campaign = get(caller, campaign_id);
  if (!campaign) return campaign.error();
  return stores_.campaigns.enrollments(campaign->id);
}

int CampaignService::run_due_steps(int limit) {
  TimePoint now = clock_.now();
  auto due = stores_.campaigns.due(now, limit);
  if (due.empty()) return 0;

  auto answers = ask_gate(due);
  std::unordered_map<std::string, std::optional<store::Campaign>> campaigns;
  for (auto& enrollment : due) {
    auto& campaign = campaigns.try_emplace(enrollment.campaign_id,
                                           stores_.campaigns.find(enrollment.team_id, enrollment.campaign_id))
                         .first->second;
    run_step(enrollment, campaign, answers[enrollment.team_id], now);
  }
  return static_cast<int>(due.size());
}

std::unordered_map<std::string, gate::GateAnswer> CampaignService::ask_gate(
    const std::vector<store::Enrollment>& due) {
  std::unordered_map<std::string, std::vector<std::string>> keys_by_team;
  for (const auto& e : due) keys_by_team[e.team_id].push_back(lowercase_ascii(e.email));
  std::unordered_map<std::string, gate::GateAnswer> answers;
  for (const auto& [team, keys] : keys_by_team) {
    auto s = stores_.settings.get(team);
    answers[team] = gate_.check(team, sending::team_policy(s), keys);
  }
  return answers;
}

void CampaignService::run_step(store::Enrollment& enrollment, const std::optional<store::Campaign>& campaign,
                               const gate::GateAnswer& answer, TimePoint now) {
  if (!campaign || enrollment.next_step >= static_cast<int64_t>(campaign->steps.size())) {
    enrollment.state = store::EnrollmentState::Finished;
    enrollment.next_due_at.reset();
    stores_.campaigns.advance_due(enrollment, now);
    return;
  }
  const auto& step = campaign->steps[static_cast<size_t>(enrollment.next_step)];
  auto content = render_step(step, vars_from_json(enrollment.vars_json));
  if (!content) {
    enrollment.state = store::EnrollmentState::Stopped;
    enrollment.reason = "template_error";
    enrollment.next_due_at.reset();
    stores_.campaigns.advance_due(enrollment, now);
    return;
  }
  auto email = step_email(*campaign, enrollment, *content, options_.mail_domain, now);
  Verdict v = answer.verdict(lowercase_ascii(enrollment.email));
  Fate f = fate(Workflow::Campaign, v.finding, Stage::Request);
  email.reason = v.reason;
  email.status = f.status;
  if (f.status == EmailStatus::Held) email.held_since = now;
  if (f.stops_enrollment) {
    enrollment.state = store::EnrollmentState::Stopped;
    enrollment.reason = email.reason;
  }
  enrollment.next_due_at.reset();  // the next step is scheduled once this email is sent
  stores_.tx.transaction([&] {
    // Only the scheduler that moves the enrollment on sends the step: a concurrent stop (an
    // unsubscribe) or another instance's scheduler that got there first wins.
    if (stores_.campaigns.advance_due(enrollment, now)) stores_.emails.insert(email);
  });
  metrics_.increment("sendguard_emails_total", {{"status", std::string(to_string(email.status))}});
}

void CampaignService::email_finished(const store::EmailRecord& email) {
  if (!email.enrollment_id || !email.step_index) return;
  auto enrollment = stores_.campaigns.find_enrollment(*email.enrollment_id);
  if (!enrollment || enrollment->state != store::EnrollmentState::Active) return;
  TimePoint now = clock_.now();
  if (email.status != EmailStatus::Sent) {
    enrollment->state = store::EnrollmentState::Stopped;
    enrollment->reason = email.reason;
    enrollment->next_due_at.reset();
  } else {
    auto campaign = stores_.campaigns.find(enrollment->team_id, enrollment->campaign_id);
    int64_t next = *email.step_index + 1;
    if (!campaign || next >= static_cast<int64_t>(campaign->steps.size())) {
      enrollment->state = store::EnrollmentState::Finished;
      enrollment->next_due_at.reset();
    } else {
      enrollment->next_step = next;
      enrollment->next_due_at = email.sent_at.value_or(now) +
                                std::chrono::seconds(campaign->steps[static_cast<size_t>(next)].delay_seconds);
    }
  }
  // Another instance may report the same email again (its lease ran out mid-send): only the
  // first report moves the enrollment on.
  stores_.campaigns.finish_step(*enrollment, *email.step_index, now);
}

}  // namespace sg::campaigns
