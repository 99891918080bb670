// CSV import: read every record of an upload, then check that what the export writes
// reads back as the same records (a guarded formula cell gains one leading apostrophe).
#include <sstream>

#include "fuzz_input.h"
#include "core/csv.h"

namespace {

using Record = std::vector<std::string>;

bool same_cell(const std::string& written, const std::string& read) {
  return read == written || read == "'" + written;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream upload(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<Record> records;
  while (auto record = sg::read_csv_record(upload)) {
    FUZZ_REQUIRE(!record->empty());
    records.push_back(std::move(*record));
  }

  std::ostringstream exported;
  for (const Record& record : records) sg::write_csv_record(exported, record);
  std::istringstream again(exported.str());
  for (const Record& record : records) {
    auto reread = sg::read_csv_record(again);
    FUZZ_REQUIRE(reread.has_value());
    FUZZ_REQUIRE(reread->size() == record.size());
    for (size_t i = 0; i < record.size(); ++i) FUZZ_REQUIRE(same_cell(record[i], (*reread)[i]));
  }
  FUZZ_REQUIRE(!sg::read_csv_record(again).has_value());
  return 0;
}
