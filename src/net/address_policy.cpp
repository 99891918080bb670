#include "net/address_policy.h"

#include <algorithm>
#include <array>

namespace sg::net {
namespace {

bool in_v4(std::span<const uint8_t> a, std::array<uint8_t, 4> net, int prefix) {
  const uint32_t addr = (uint32_t{a[0]} << 24) | (uint32_t{a[1]} << 16) | (uint32_t{a[2]} << 8) | a[3];
  const uint32_t base = (uint32_t{net[0]} << 24) | (uint32_t{net[1]} << 16) | (uint32_t{net[2]} << 8) | net[3];
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (addr & mask) == (base & mask);
}

AddressClass classify_v4(std::span<const uint8_t> a) {
  if (in_v4(a, {0, 0, 0, 0}, 8)) return AddressClass::unspecified;
  if (in_v4(a, {127, 0, 0, 0}, 8)) return AddressClass::loopback;
  if (in_v4(a, {10, 0, 0, 0}, 8) || in_v4(a, {172, 16, 0, 0}, 12) || in_v4(a, {192, 168, 0, 0}, 16) ||
      in_v4(a, {100, 64, 0, 0}, 10))
    return AddressClass::private_use;
  if (in_v4(a, {169, 254, 0, 0}, 16)) return AddressClass::link_local;
  if (in_v4(a, {224, 0, 0, 0}, 4)) return AddressClass::multicast;
  if (in_v4(a, {240, 0, 0, 0}, 4) || in_v4(a, {192, 0, 0, 0}, 24) || in_v4(a, {192, 0, 2, 0}, 24) ||
      in_v4(a, {198, 18, 0, 0}, 15) || in_v4(a, {198, 51, 100, 0}, 24) || in_v4(a, {203, 0, 113, 0}, 24))
    return AddressClass::reserved;
  return AddressClass::global;
}

bool starts_with(std::span<const uint8_t> a, std::initializer_list<uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), a.begin());
}

AddressClass classify_v6(std::span<const uint8_t> a) {
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address.
  if (starts_with(a, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}) ||
      starts_with(a, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}))
    return classify_v4(a.subspan(12));
  const bool zero_head = std::all_of(a.begin(), a.begin() + 15, [](uint8_t b) { return b == 0; });
  if (zero_head && a[15] == 0) return AddressClass::unspecified;
  if (zero_head && a[15] == 1) return AddressClass::loopback;
  if ((a[0] & 0xfe) == 0xfc) return AddressClass::private_use;                     // fc00::/7
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return AddressClass::link_local;     // fe80::/10
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return AddressClass::private_use;    // fec0::/10, site-local
  if (a[0] == 0xff) return AddressClass::multicast;
  if (std::all_of(a.begin(), a.begin() + 12, [](uint8_t b) { return b == 0; }))
    return AddressClass::reserved;                                                 // IPv4-compatible, deprecated
  if (starts_with(a, {0x20, 0x01, 0x0d, 0xb8})) return AddressClass::reserved;     // documentation
  return AddressClass::global;
}

}  // namespace

AddressClass classify_address(std::span<const uint8_t> bytes) {
  if (bytes.size() == 4) return classify_v4(bytes);
  if (bytes.size() == 16) return classify_v6(bytes);
  return AddressClass::reserved;
}

std::optional<std::string> AddressPolicy::refusal(std::span<const uint8_t> bytes) const {
  switch (classify_address(bytes)) {
    case AddressClass::global: return std::nullopt;
    case AddressClass::loopback:
      if (allow_loopback) return std::nullopt;
      return "a loopback address (allowed only with SENDGUARD_ALLOW_LOOPBACK_MARKETO=1)";
    case AddressClass::private_use: return "a private address";
    case AddressClass::link_local: return "a link-local or metadata address";
    case AddressClass::unspecified: return "an unspecified address";
    case AddressClass::multicast: return "a multicast address";
    case AddressClass::reserved: return "a reserved address";
  }
  return "an unknown kind of address";
}

}  // namespace sg::net
