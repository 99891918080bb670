// What the harnesses share: cutting one input into fields, and failing loudly when a
// property of the code under test does not hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace sg::fuzz {

// Fields are separated by the ASCII unit separator, so seeds stay readable text and one
// inserted or deleted byte adds or drops a field.
inline constexpr char kFieldSeparator = '\x1f';

inline std::vector<std::string_view> split_fields(const uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> fields;
  while (true) {
    std::size_t end = input.find(kFieldSeparator);
    fields.push_back(input.substr(0, end));
    if (end == std::string_view::npos) return fields;
    input.remove_prefix(end + 1);
  }
}

// The i-th field, or "" when the input has fewer.
inline std::string_view field(const std::vector<std::string_view>& fields, std::size_t i) {
  return i < fields.size() ? fields[i] : std::string_view();
}

[[noreturn]] inline void fail(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n", file, line, condition);
  std::abort();  // libFuzzer saves the input as a crash artifact
}

}  // namespace sg::fuzz

#define FUZZ_REQUIRE(condition) \
  ((condition) ? void() : ::sg::fuzz::fail(#condition, __FILE__, __LINE__))
