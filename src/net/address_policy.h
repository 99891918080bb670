// AddressPolicy: which addresses outbound calls to customer-given endpoints (Marketo) may
// connect to. A team admin names those endpoints, so without this they could make the
// server reach its own network: cloud metadata (169.254.169.254), private ranges,
// loopback services. Judged on the address a connection is about to use, after DNS
// resolution, so a name that resolves to a forbidden address is refused as well. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sg::net {

enum class AddressClass {
  global,       // the public Internet
  loopback,     // 127/8, ::1
  private_use,  // 10/8, 172.16/12, 192.168/16, 100.64/10 (shared; 100.100.100.200 is a
                // metadata address), fc00::/7 (fd00:ec2::254 is one too)
  link_local,   // 169.254/16 (169.254.169.254: cloud metadata), fe80::/10
  unspecified,  // 0/8, ::
  multicast,    // 224/4, ff00::/8
  reserved,     // 240/4 with broadcast, 192.0.0/24, documentation and benchmark ranges
};

// IPv4 from its 4 bytes, IPv6 from its 16 (an IPv4-mapped or NAT64 IPv6 address is
// judged by the IPv4 address it carries). Any other length is `reserved`.
AddressClass classify_address(std::span<const uint8_t> bytes);

struct AddressPolicy {
  bool allow_loopback = false;  // tests and demos run Marketo's stand-in on this machine

  // Why a connection to `bytes` is refused, or nullopt when it is allowed.
  std::optional<std::string> refusal(std::span<const uint8_t> bytes) const;
};

}  // namespace sg::net
