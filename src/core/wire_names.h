// Enum values and their wire names (API.md's spelling) kept in one table per enum, read
// both ways.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace sg {

template <class E, size_t N>
using WireNames = std::array<std::pair<E, std::string_view>, N>;

template <class E, size_t N>
std::string_view name_of(const WireNames<E, N>& table, E e) {
  for (const auto& [value, name] : table)
    if (value == e) return name;
  return "unknown";
}

template <class E, size_t N>
std::optional<E> value_of(const WireNames<E, N>& table, std::string_view text) {
  for (const auto& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

}  // namespace sg
