// TempStore: a real SQLite store file in a fresh temporary folder, removed with the folder
// when the TempStore goes. Declare it before the store it opens, so the store closes first.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "crypto/secret_key.h"
#include "store/open_store.h"

namespace sg::test {

class TempStore {
 public:
  TempStore() {
    crypto::init();  // the store seals secrets with libsodium
    std::string pattern = (std::filesystem::temp_directory_path() / "sg-store-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), pattern);
    dir_ = pattern;
  }
  ~TempStore() { std::filesystem::remove_all(dir_); }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  // The folder holding the database and SQLite's side files (WAL, shared memory).
  static constexpr int kReaders = 4;

  const std::filesystem::path& dir() const { return dir_; }
  std::string path() const { return (dir_ / "db.sqlite").string(); }
  // Opens the file as a Store, migrating it; the first open creates it. Reads go through
  // read-only connections, as on a server.
  std::unique_ptr<store::Store> open(const crypto::SecretKey& key) const {
    return store::open_sqlite_store(path(), kReaders, key);
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace sg::test
