#include "sending/outbox_worker.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/backoff.h"
#include "core/email_address.h"
#include "core/fate.h"
#include "mail/delivery_report.h"
#include "mail/mime.h"
#include "sending/team_policy.h"

namespace sg::sending {

OutboxWorker::OutboxWorker(OutboxWorkerStores stores, gate::UnsubscribeGate& gate,
                           mail::Transport& transport, const crypto::UnsubscribeTokens& tokens,
                           Clock& clock, Metrics& metrics, OutboxOptions options)
    : stores_(stores), gate_(gate), transport_(transport), tokens_(tokens), clock_(clock),
      metrics_(metrics), options_(std::move(options)), outcomes_(stores_.tx),
      loop_(options_.idle_poll, [](const std::exception& e) { spdlog::error("outbox: {}", e.what()); }) {
  metrics_.describe("sendguard_deliveries_total", "counter",
                    "Outbox results per email: sent, failed, suppressed, held, retry");
}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::start() {
  stop_requested_ = false;
  loop_.start([this] { return run_once() > 0; });
}

void OutboxWorker::stop() {
  stop_requested_ = true;  // the batch in hand is handed back rather than finished
  loop_.stop();
}

namespace {

// Recipients not yet handed to the relay, in to, cc, bcc order, each once.
std::vector<std::string> pending_recipients(const store::EmailRecord& email) {
  std::vector<std::string> pending;
  for (const auto* list : {&email.to, &email.cc, &email.bcc})
    for (const auto& r : *list)
      if (std::find(email.delivered.begin(), email.delivered.end(), r) == email.delivered.end() &&
          std::find(pending.begin(), pending.end(), r) == pending.end())
        pending.push_back(r);
  return pending;
}

}  // namespace

int OutboxWorker::run_once() {
  BatchLease lease(stores_.emails, clock_, options_.lease, options_.heartbeat);
  auto batch = lease.claim(options_.claim_batch);
  if (batch.empty()) return 0;
  SliceSizer sizer(options_.precheck_reuse, static_cast<size_t>(std::max(1, options_.workers)));
  std::span<store::EmailRecord> rest(batch);
  while (!rest.empty()) {
    if (!may_start(lease)) {
      for (const auto& email : rest) lease.release(email.id);
      break;
    }
    rest = rest.subspan(deliver_slice(rest.first(sizer.next(rest.size())), lease, sizer));
  }
  return static_cast<int>(batch.size());
}

bool OutboxWorker::may_start(BatchLease& lease) {
  lease.renew_if_due();
  return !stop_requested_ && clock_.now() < lease.ends_at() - options_.lease_margin;
}

size_t OutboxWorker::deliver_slice(std::span<store::EmailRecord> slice, BatchLease& lease, SliceSizer& sizer) {
  const Prechecked prechecked = precheck(slice);
  std::mutex mu;
  size_t next = 0;
  bool closed = false;
  // What stops each email taken, decided once when it is taken and handed to process().
  std::vector<std::optional<Stop>> stops(slice.size());
  // The next email to start on this slice's answer, or none: the slice is done, or its
  // answer grew too old and the emails left join the next slice's check.
  auto take = [&]() -> std::optional<size_t> {
    std::lock_guard lock(mu);
    if (closed || next == slice.size()) return std::nullopt;
    Millis age = std::chrono::duration_cast<Millis>(clock_.now() - prechecked.at);
    stops[next] = stop_of(slice[next], prechecked.answer_for(slice[next].team_id));
    if (!may_start_on(age, options_.precheck_reuse, !stops[next], next == 0)) {
      closed = true;
      sizer.record(next, age);
      return std::nullopt;
    }
    return next++;
  };
  auto work = [&] {
    PendingOutcomes pending;
    while (std::optional<size_t> i = take()) {
      try {
        if (!may_start(lease)) lease.release(slice[*i].id);
        else
          process(slice[*i], lease.token(), prechecked.answer_for(slice[*i].team_id), std::move(stops[*i]),
                  pending);
      } catch (const std::exception& e) {
        // The lease runs out and another attempt follows; nothing is lost.
        spdlog::error("outbox: email {}: {}", slice[*i].id, e.what());
      }
    }
    settle(pending);
  };
  size_t parallel = std::min(slice.size(), static_cast<size_t>(std::max(1, options_.workers)));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < parallel; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (!closed) sizer.record(next, std::chrono::duration_cast<Millis>(clock_.now() - prechecked.at));
  return next;
}

OutboxWorker::Prechecked OutboxWorker::precheck(std::span<const store::EmailRecord> slice) {
  std::map<std::string, std::vector<std::string>> keys_by_team;
  for (const auto& email : slice)
    for (const auto& r : pending_recipients(email)) keys_by_team[email.team_id].push_back(lowercase_ascii(r));
  Prechecked out;
  for (const auto& [team, keys] : keys_by_team)
    if (!keys.empty())
      out.by_team[team] = gate_.check(team, team_policy(stores_.settings.get(team)), keys, gate::Urgency::can_wait);
  // Counted from the answer, as a check made just before delivery would be.
  out.at = clock_.now();
  return out;
}

const gate::GateAnswer& OutboxWorker::Prechecked::answer_for(const std::string& team_id) const {
  // A team none of whose emails has a recipient left was not asked: nothing to answer.
  static const gate::GateAnswer kNothingAsked;
  auto it = by_team.find(team_id);
  return it == by_team.end() ? kNothingAsked : it->second;
}

std::optional<OutboxWorker::Stop> OutboxWorker::stop_of(const store::EmailRecord& email,
                                                        const gate::GateAnswer& answer) {
  std::optional<Stop> held, ended;
  for (const auto& r : pending_recipients(email)) {
    Verdict v = answer.verdict(lowercase_ascii(r));
    Fate f = fate(email.workflow, v.finding, Stage::Delivery);
    switch (f.status) {
      case EmailStatus::Queued: break;
      case EmailStatus::Held:
        if (!held) held = Stop{f, std::string(v.reason), {}};
        break;
      case EmailStatus::Sent: throw std::logic_error("fate() never decides that an email was sent");
      case EmailStatus::Failed:
      case EmailStatus::Suppressed:
      case EmailStatus::Blocked:
        if (!ended) ended = Stop{f, std::string(v.reason), {}};  // the first decides the fate
        ended->stopped_by.push_back({r, std::string(v.reason)});
        break;
    }
  }
  return ended ? ended : held;  // a final fate wins over holding
}

void OutboxWorker::process(store::EmailRecord email, const std::string& claim, const gate::GateAnswer& answer,
                           std::optional<Stop> stop, PendingOutcomes& pending) {
  if (stop) {
    if (stop->fate.status == EmailStatus::Held) return hold(email, claim, answer, pending);
    email.silent = !stop->fate.seen_by_sender;
    finish(email, claim, stop->fate.status, stop->reason, pending);
    if (email.submitted)
      if (auto submitted = stores_.emails.submitted_message(email.id))
        report_undelivered(email, *submitted, *stop, pending);
    return;
  }
  std::vector<std::string> recipients = pending_recipients(email);
  for (const auto& r : recipients)
    if (answer.is_unverified_allowed(lowercase_ascii(r))) email.unverified = true;
  email.held_since.reset();
  deliver(email, claim, recipients, pending);
}

bool OutboxWorker::settle(PendingOutcomes& pending) {
  bool recorded = true;
  for (Pending& outcome : pending) {
    try {
      if (!outcome.recorded.get()) {
        recorded = false;
        continue;
      }
      metrics_.increment("sendguard_deliveries_total", {{"result", std::string(to_string(outcome.status))}});
      if (outcome.status != EmailStatus::Sent)
        spdlog::info("email {} {}: {}", outcome.email_id, to_string(outcome.status), outcome.reason);
    } catch (const std::exception& e) {
      // The lease runs out and another attempt follows; nothing is lost.
      spdlog::error("outbox: email {}: {}", outcome.email_id, e.what());
      recorded = false;
    }
  }
  pending.clear();
  return recorded;
}

std::string OutboxWorker::unsubscribe_url(const store::EmailRecord& email, const std::string& recipient) const {
  return options_.public_url + "/u/" + tokens_.issue({email.team_id, lowercase_ascii(recipient)});
}

void OutboxWorker::report_undelivered(const store::EmailRecord& email, const std::string& submitted_mime,
                                      const Stop& stop, PendingOutcomes& pending) {
  auto report = undelivered_report(email, submitted_mime, stop.stopped_by, options_.mail_domain, clock_.now());
  // The null reverse path: nothing may bounce back at a bounce (RFC 5321 4.5.5). The
  // report goes only once the stop is recorded.
  auto result = transport_.deliver({"", {email.from}}, mail::render_delivery_report(report),
                                   [&] { return settle(pending); });
  if (result.status != mail::DeliveryStatus::Delivered)
    spdlog::warn("email {}: the delivery report to {} was not sent: {}", email.id, email.from, result.detail);
}

void OutboxWorker::deliver(store::EmailRecord& email, const std::string& claim,
                           const std::vector<std::string>& recipients, PendingOutcomes& pending) {
  // A message submitted over SMTP goes out as written; others are built here.
  std::optional<std::string> submitted =
      email.submitted ? stores_.emails.submitted_message(email.id) : std::nullopt;
  // Each message ends only once the outcomes before it are recorded: at most this one is
  // then unrecorded when the process dies. One that could not be recorded (its lease
  // taken over, the database failing) abandons it, and the lease's end brings it back.
  bool abandoned = false;
  auto may_end = [&] {
    abandoned = !settle(pending);
    return !abandoned;
  };
  for (const auto& rcpt : recipients) {
    std::string url = unsubscribe_url(email, rcpt);
    auto mime = submitted ? mail::with_unsubscribe_headers(url, *submitted)
                          : mail::render_mime({email.from, "", email.to, email.cc, email.subject, email.text,
                                               email.html, email.message_id, clock_.now(), url});
    if (!mime)
      return finish(email, claim, EmailStatus::Failed, "invalid_message: " + mime.error().message, pending);
    auto result = transport_.deliver({email.from, {rcpt}}, *mime, may_end);
    if (abandoned) {
      spdlog::warn("email {} to {} not ended: an outcome before it was not recorded", email.id, rcpt);
      return;
    }
    if (result.status == mail::DeliveryStatus::PermanentFailure) {
      spdlog::warn("email {} to {} refused: {}", email.id, rcpt, result.detail);
      return finish(email, claim, EmailStatus::Failed, "smtp_rejected: " + result.detail, pending);
    }
    if (result.status == mail::DeliveryStatus::TemporaryFailure) {
      email.attempts++;
      if (email.attempts >= options_.max_delivery_attempts)
        return finish(email, claim, EmailStatus::Failed, "smtp_unavailable: " + result.detail, pending);
      email.status = EmailStatus::Queued;
      email.reason = "smtp_retrying: " + result.detail;
      email.next_attempt_at = clock_.now() + capped_backoff(options_.retry_base, options_.retry_max, email.attempts);
      if (!record(email, claim)) return;
      metrics_.increment("sendguard_deliveries_total", {{"result", "retry"}});
      spdlog::warn("email {} to {} deferred (attempt {}): {}", email.id, rcpt, email.attempts, result.detail);
      return;
    }
    email.delivered.push_back(rcpt);
    // The last one is recorded by finish(), in the same commit as the status: one commit
    // per email instead of two, and no wider window for a crash to send twice.
    if (&rcpt != &recipients.back()) stores_.emails.mark_delivered(email.id, email.delivered);
  }
  email.sent_at = clock_.now();
  if (email.unverified)
    stores_.audit.append({email.team_id, std::nullopt, std::nullopt, "email.sent_unverified", std::nullopt,
                          boost::json::serialize(boost::json::object{{"email_id", email.id}}), *email.sent_at});
  finish(email, claim, EmailStatus::Sent, "", pending);
}

void OutboxWorker::finish(store::EmailRecord& email, const std::string& claim, EmailStatus status,
                          std::string reason, PendingOutcomes& pending) {
  email.status = status;
  email.reason = std::move(reason);
  // Written with the outcomes the other delivery threads hand in meanwhile.
  std::future<bool> recorded = outcomes_.push([this, email, claim] {
    if (!record(email, claim)) return false;
    if (on_final_) on_final_(email);
    return true;
  });
  pending.push_back({std::move(recorded), email.id, status, email.reason});
}

bool OutboxWorker::record(const store::EmailRecord& email, const std::string& claim) {
  if (stores_.emails.update_delivery(email, claim)) return true;
  spdlog::warn("email {}: another batch took it over when this lease ran out; {} is not recorded here", email.id,
               to_string(email.status));
  return false;
}

void OutboxWorker::hold(store::EmailRecord& email, const std::string& claim, const gate::GateAnswer& answer,
                        PendingOutcomes& pending) {
  TimePoint now = clock_.now();
  if (!email.held_since) email.held_since = now;
  if (now - *email.held_since >= options_.max_hold)
    return finish(email, claim, EmailStatus::Failed, std::string(kCheckUnavailable), pending);
  email.status = EmailStatus::Held;
  email.reason = kCheckUnavailable;
  // Waiting as long as the email has been held so far doubles the interval each time.
  auto held_for = std::chrono::duration_cast<Millis>(now - *email.held_since);
  email.next_attempt_at = now + std::clamp(held_for, options_.hold_retry_base, options_.hold_retry_max);
  if (!record(email, claim)) return;
  metrics_.increment("sendguard_deliveries_total", {{"result", "held"}});
  spdlog::warn("email {} held: {} could not answer ({})", email.id, answer.unavailable_source,
               answer.unavailable_detail);
}

}  // namespace sg::sending
