#include "store/postgres_db.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sg::store {
namespace {

constexpr unsigned kByteaOid = 17;

// ---- SQL text ----

// The index just past the quoted run starting at `i` (a doubled quote stays inside).
size_t skip_quoted(std::string_view sql, size_t i) {
  const char quote = sql[i];
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != quote) continue;
    if (i + 1 < sql.size() && sql[i + 1] == quote) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return sql.size();
}

struct PostgresSql {
  std::string text;  // with $N placeholders
  int params = 0;    // the highest N
};

// Rewrites the shared SQL's `?` and `?N` to `$N` (a bare `?` takes one more than the
// highest number so far, as SQLite numbers it), leaving string literals, quoted
// identifiers and comments alone.
PostgresSql to_dollar_placeholders(std::string_view sql) {
  PostgresSql out;
  out.text.reserve(sql.size() + 8);
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    size_t end = i + 1;
    if (c == '\'' || c == '"') {
      end = skip_quoted(sql, i);
    } else if (sql.substr(i, 2) == "--") {
      end = std::min(sql.find('\n', i), sql.size());
    } else if (sql.substr(i, 2) == "/*") {
      const size_t close = sql.find("*/", i + 2);
      end = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (c == '?') {
      size_t digits = end;
      while (digits < sql.size() && std::isdigit(static_cast<unsigned char>(sql[digits]))) ++digits;
      int n = out.params + 1;
      if (digits > end) std::from_chars(sql.data() + end, sql.data() + digits, n);
      out.params = std::max(out.params, n);
      out.text += '$';
      out.text += std::to_string(n);
      i = digits;
      continue;
    }
    out.text += sql.substr(i, end - i);
    i = end;
  }
  return out;
}

// ---- errors ----

// `text` with every occurrence of `secret` masked.
std::string masked(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

// The password written in a URL's user info (scheme://user:password@host/…), if any.
std::string url_password(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const std::string_view rest = url.substr(scheme + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  const size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return {};
  return std::string(authority.substr(colon + 1, at - colon - 1));
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

[[noreturn]] void throw_result_error(const PGresult* res, PGconn* conn, std::string_view sql) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = "PostgreSQL error";
  if (state) message += std::string(" ") + state;
  message += ": ";
  message += primary ? std::string(primary) : trimmed(PQerrorMessage(conn));
  message += " (in: " + std::string(sql.substr(0, 200)) + ")";
  throw StoreError(message);
}

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// Throws unless `res` is a successful outcome of `sql`.
Result checked(PGresult* raw, PGconn* conn, std::string_view sql) {
  Result res(raw);
  const ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_result_error(res.get(), conn, sql);
  return res;
}

// ---- a connection and its statements ----

class PgConnection;

class PgStatement final : public StatementImpl {
 public:
  PgStatement(PgConnection& conn, std::string sql, PostgresSql pg, std::string name)
      : conn_(conn), sql_(std::move(sql)), pg_(std::move(pg)), name_(std::move(name)) {
    clear_params();
  }

  // Prepares on the server unless done since the connection last reconnected.
  void prepare_on_server();

  void bind_null(int index) override { param(index) = Param{}; }
  void bind_integer(int index, int64_t v) override { param(index) = Param{std::to_string(v), false}; }
  void bind_text(int index, std::string_view v) override { param(index) = Param{std::string(v), false}; }
  void bind_blob(int index, std::string_view bytes) override { param(index) = Param{std::string(bytes), true}; }

  bool step() override {
    if (!result_) execute();
    return ++row_ < PQntuples(result_.get());
  }
  int changes() const override {
    const char* n = result_ ? PQcmdTuples(result_.get()) : "";
    return *n ? std::atoi(n) : 0;
  }
  void reset() override {
    result_.reset();
    row_ = -1;
    clear_params();
  }

  bool is_null(int col) const override { return PQgetisnull(result_.get(), row_, col) != 0; }
  std::string text(int col) const override {
    return std::string(PQgetvalue(result_.get(), row_, col), PQgetlength(result_.get(), row_, col));
  }
  int64_t integer(int col) const override;
  std::string blob(int col) const override;

 private:
  struct Param {
    std::optional<std::string> value;
    bool binary = false;
  };
  Param& param(int index) {
    if (index < 1 || index > pg_.params)
      throw StoreError("parameter " + std::to_string(index) + " out of range (the statement has " +
                       std::to_string(pg_.params) + "): " + sql_);
    return params_[static_cast<size_t>(index - 1)];
  }
  void clear_params() { params_.assign(static_cast<size_t>(pg_.params), Param{}); }
  void execute();
  const char* cell(int col) const { return PQgetvalue(result_.get(), row_, col); }

  PgConnection& conn_;
  std::string sql_;
  PostgresSql pg_;
  std::string name_;
  uint64_t prepared_in_ = 0;  // the connection's generation it was prepared in; 0: never
  std::vector<Param> params_;
  Result result_;
  int row_ = -1;
};

class PgConnection final : public Connection {
 public:
  PgConnection(PGconn* conn, std::string password) : conn_(conn), password_(std::move(password)) {}
  ~PgConnection() override { PQfinish(conn_); }

  StatementImpl& prepare(std::string_view sql) override {
    auto it = statements_.find(std::string(sql));
    if (it == statements_.end()) {
      auto stmt = std::make_unique<PgStatement>(*this, std::string(sql), to_dollar_placeholders(sql),
                                                "sg_" + std::to_string(statements_.size() + 1));
      it = statements_.emplace(std::string(sql), std::move(stmt)).first;
    }
    it->second->prepare_on_server();
    return *it->second;
  }

  void exec(std::string_view sql) override { run(sql); }

  void begin() override { run("BEGIN"); }

  void commit() override {
    Result res = run("COMMIT");
    // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error.
    if (std::string_view(PQcmdStatus(res.get())) == "ROLLBACK")
      throw StoreError("PostgreSQL rolled the transaction back: a statement in it failed");
  }

  void rollback() noexcept override {
    if (PQstatus(conn_) == CONNECTION_OK) PQclear(PQexec(conn_, "ROLLBACK"));
  }

  // Given back to the pool: no transaction left open by a Conn used outside one.
  void settle() noexcept {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) rollback();
  }

  // Taken from the pool: a connection the server dropped (it restarted, or closed it) is
  // opened again, and its prepared statements with it.
  void ensure_connected() {
    // Reading an idle connection finds nothing, unless the server said goodbye: its last
    // message comes first, then the end of the stream that marks the connection bad.
    for (int read = 0; read < 2 && PQstatus(conn_) == CONNECTION_OK; ++read) PQconsumeInput(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) return;
    PQreset(conn_);
    ++generation_;
    if (PQstatus(conn_) != CONNECTION_OK)
      throw StoreError("cannot connect to PostgreSQL: " + masked(trimmed(PQerrorMessage(conn_)), password_));
  }

  PGconn* handle() const { return conn_; }
  uint64_t generation() const { return generation_; }

 private:
  Result run(std::string_view sql) {
    const std::string text(sql);
    return checked(PQexec(conn_, text.c_str()), conn_, sql);
  }

  PGconn* conn_;
  std::string password_;
  uint64_t generation_ = 1;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> statements_;
};

void PgStatement::prepare_on_server() {
  if (prepared_in_ == conn_.generation()) return;
  std::vector<unsigned> types(params_.size(), 0);  // the server infers each from its use
  checked(PQprepare(conn_.handle(), name_.c_str(), pg_.text.c_str(), pg_.params, types.data()), conn_.handle(), sql_);
  prepared_in_ = conn_.generation();
}

void PgStatement::execute() {
  std::vector<const char*> values(params_.size());
  std::vector<int> lengths(params_.size());
  std::vector<int> formats(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    values[i] = p.value ? p.value->data() : nullptr;
    lengths[i] = p.value ? static_cast<int>(p.value->size()) : 0;
    formats[i] = p.binary ? 1 : 0;  // bytea as raw bytes; everything else as text
  }
  result_ = checked(PQexecPrepared(conn_.handle(), name_.c_str(), pg_.params, values.data(), lengths.data(),
                                   formats.data(), 0),
                    conn_.handle(), sql_);
  row_ = -1;
}

int64_t PgStatement::integer(int col) const {
  const std::string_view v(cell(col), static_cast<size_t>(PQgetlength(result_.get(), row_, col)));
  if (v == "t") return 1;  // booleans read as SQLite gives them
  if (v == "f") return 0;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec == std::errc() && (end == v.data() + v.size() || *end == '.')) return n;  // numeric truncates
  throw StoreError("column " + std::to_string(col) + " is not an integer: '" + std::string(v) + "' (in: " + sql_ + ")");
}

std::string PgStatement::blob(int col) const {
  size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(cell(col)), &size);
  if (!bytes) throw StoreError("cannot decode a bytea column (out of memory)");
  std::string out(reinterpret_cast<const char*>(bytes), size);
  PQfreemem(bytes);
  return out;
}

// ---- the pool ----

// The server's notices ("relation already exists, skipping", "terminating connection")
// would otherwise go to stderr; errors reach callers as StoreError.
void ignore_notice(void*, const char*) {}

// The instance whose own connection holds a session advisory lock leads. When it dies its
// connection closes and the server frees the lock, which another instance takes at its next
// try; a leader that loses its connection stops leading at its next check.
class AdvisoryLeadership final : public Leadership {
 public:
  AdvisoryLeadership(const std::string& url, const std::string& password) : url_(url), password_(password) {}
  ~AdvisoryLeadership() override { PQfinish(conn_); }

  bool leading() override {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return held_;
    next_check_ = now + kCheckEvery;
    held_ = check();
    return held_;
  }

 private:
  static constexpr auto kCheckEvery = std::chrono::seconds(1);

  bool check() {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      PQfinish(conn_);
      conn_ = PQconnectdb(url_.c_str());
      if (PQstatus(conn_) != CONNECTION_OK) {
        spdlog::warn("leader election: cannot connect to PostgreSQL: {}", masked(trimmed(PQerrorMessage(conn_)), password_));
        return false;
      }
      PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
      held_ = false;  // a new session holds nothing
    }
    // Still holding it only asks whether the session is alive.
    Result r(PQexec(conn_, held_ ? "SELECT true" : "SELECT pg_try_advisory_lock(1399156325)"));
    return PQresultStatus(r.get()) == PGRES_TUPLES_OK && PQntuples(r.get()) == 1 &&
           std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
  }

  const std::string url_;
  const std::string password_;
  std::mutex mu_;
  PGconn* conn_ = nullptr;  // GUARDED_BY(mu_)
  bool held_ = false;       // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point next_check_{};
};

class PostgresDb final : public Db {
 public:
  PostgresDb(std::string url, std::string password, int pool_size)
      : url_(std::move(url)), password_(std::move(password)), pool_size_(pool_size), leadership_(url_, password_) {}

  Engine engine() const override { return Engine::postgresql; }
  bool shared() const override { return true; }
  Leadership& leadership() override { return leadership_; }

 protected:
  Connection& acquire() override {
    PgConnection* c = take();
    try {
      if (!c) c = open();
      c->ensure_connected();
      return *c;
    } catch (...) {
      give_back(c);
      throw;
    }
  }

  void release(Connection& c) noexcept override {
    auto& pg = static_cast<PgConnection&>(c);
    pg.settle();
    give_back(&pg);
  }

 private:
  // An idle connection, or null when a new one may be opened; waits while all are busy.
  PgConnection* take() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || opened_ < pool_size_; });
    if (idle_.empty()) {
      ++opened_;  // this slot is ours while the connection opens
      return nullptr;
    }
    PgConnection* c = idle_.back();
    idle_.pop_back();
    return c;
  }

  // Returns a connection to the pool, or the slot of one that failed to open (null).
  void give_back(PgConnection* c) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (c)
        idle_.push_back(c);
      else
        --opened_;
    }
    available_.notify_one();
  }

  PgConnection* open() {
    PGconn* raw = PQconnectdb(url_.c_str());
    if (!raw) throw StoreError("cannot connect to PostgreSQL: out of memory");
    if (PQstatus(raw) != CONNECTION_OK) {
      const std::string why = masked(trimmed(PQerrorMessage(raw)), password_);
      PQfinish(raw);
      throw StoreError("cannot connect to PostgreSQL: " + why);
    }
    PQsetNoticeProcessor(raw, ignore_notice, nullptr);
    auto c = std::make_unique<PgConnection>(raw, password_);
    std::lock_guard lock(mutex_);
    all_.push_back(std::move(c));
    return all_.back().get();
  }

  const std::string url_;
  const std::string password_;  // kept only to mask it out of libpq's messages
  const int pool_size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> all_;
  std::vector<PgConnection*> idle_;
  int opened_ = 0;
  AdvisoryLeadership leadership_;
};

}  // namespace

std::unique_ptr<Db> open_postgres(const std::string& url, int pool_size) {
  if (pool_size < 1) throw StoreError("the PostgreSQL pool size must be at least 1, not " + std::to_string(pool_size));
  const std::string url_secret = url_password(url);
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    const std::string why = error ? trimmed(error) : "out of memory";
    PQfreemem(error);
    throw StoreError("invalid PostgreSQL URL: " + masked(why, url_secret));
  }
  std::string password = url_secret;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val) password = o->val;
  PQconninfoFree(options);
  return std::make_unique<PostgresDb>(url, password, pool_size);
}

}  // namespace sg::store
