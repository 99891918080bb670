#include "store/sqlite_session.h"

namespace sg::store {

SqliteSession::~SqliteSession() {
  if (reader_) db_.give_back(*reader_);
  if (writer_) db_.unlock_writer();
}

StatementImpl& SqliteSession::prepare(std::string_view sql) {
  if (!writer_) {
    if (SqliteConnection* r = reader())
      if (StatementImpl* read = r->prepare_read(sql)) return *read;
  }
  return writer().prepare(sql);
}

SqliteConnection& SqliteSession::writer() {
  if (!writer_) writer_ = &db_.lock_writer();
  return *writer_;
}

SqliteConnection* SqliteSession::reader() {
  if (!tried_reader_) {
    reader_ = db_.take_reader();
    tried_reader_ = true;
  }
  return reader_;
}

}  // namespace sg::store
