// PostgreSQL for unit tests. ctest starts one throwaway cluster for the run (the fixture
// `postgres` of CMakeLists.txt, tests/support/postgres_cluster.py) and writes its URL to a
// file; a test deriving from PostgresTest gets a fresh database in it, dropped afterwards,
// and is skipped only when that file is missing (a test binary run by hand, outside ctest).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sg::test {

// Runs one statement on `url`'s database; throws with PostgreSQL's message.
inline void postgres_exec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK) error = PQresultErrorMessage(res);
    PQclear(res);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(sql + ": " + error);
}

// `url` (postgresql:///<database>?…, as postgres_cluster.py writes it) for another database.
inline std::string with_database(const std::string& url, const std::string& database) {
  const size_t start = url.find(":///") + 4;
  return url.substr(0, start) + database + url.substr(url.find('?', start));
}

inline std::optional<std::string> read_url(const std::filesystem::path& state_dir) {
  std::ifstream in(state_dir / "url");
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) return std::nullopt;
  return url;
}

// A database of its own in the cluster at `admin_url`, dropped when this goes.
class TempPostgresDatabase {
 public:
  explicit TempPostgresDatabase(const std::string& admin_url) : admin_url_(admin_url) {
    static std::atomic<int> counter{0};
    name_ = "sg_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(std::random_device{}() % 1000000);
    postgres_exec(admin_url_, "CREATE DATABASE " + name_);
    url_ = with_database(admin_url_, name_);
  }
  ~TempPostgresDatabase() {
    try {
      postgres_exec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {  // the cluster may be gone already; it is thrown away
    }
  }
  TempPostgresDatabase(const TempPostgresDatabase&) = delete;
  TempPostgresDatabase& operator=(const TempPostgresDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// A cluster of the test's own, for what would disturb the shared one (restarting it).
class TempPostgresCluster {
 public:
  TempPostgresCluster() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-pgstate-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), pattern);
    state_ = pattern;
    run("start");
    auto url = read_url(state_);
    if (!url) throw std::runtime_error("postgres_cluster.py start wrote no URL");
    url_ = *url;
  }
  ~TempPostgresCluster() {
    try {
      run("stop");
    } catch (const std::exception&) {
    }
    std::filesystem::remove_all(state_);
  }
  TempPostgresCluster(const TempPostgresCluster&) = delete;
  TempPostgresCluster& operator=(const TempPostgresCluster&) = delete;

  const std::string& url() const { return url_; }
  void restart() { run("restart"); }  // pg_ctl restart: every connection is dropped

 private:
  void run(const std::string& action) {
    const std::string command = "/usr/bin/python3 " SENDGUARD_POSTGRES_CLUSTER " " + action + " " + state_.string();
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::filesystem::path state_;
  std::string url_;
};

// A test with a fresh database in the ctest run's cluster.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = read_url(SENDGUARD_TEST_POSTGRES_DIR);
    if (!admin)
      GTEST_SKIP() << "no PostgreSQL: " SENDGUARD_TEST_POSTGRES_DIR "/url is missing; run this test "
                      "through ctest, whose fixture `postgres` starts a cluster";
    database_.emplace(*admin);
  }

  const std::string& url() const { return database_->url(); }

 private:
  std::optional<TempPostgresDatabase> database_;
};

}  // namespace sg::test
