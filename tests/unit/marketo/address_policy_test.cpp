#include "net/address_policy.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

namespace sg::net {
namespace {

AddressClass classify(const char* text) {
  const auto address = boost::asio::ip::make_address(text);
  if (address.is_v4()) return classify_address(address.to_v4().to_bytes());
  return classify_address(address.to_v6().to_bytes());
}

TEST(AddressPolicy, AddressClassesCoverPrivateLinkLocalLoopbackAndMetadataRanges) {
  struct Case {
    const char* address;
    AddressClass expected;
  };
  for (const Case& c : {
           Case{"93.184.216.34", AddressClass::global},
           Case{"2606:4700::1111", AddressClass::global},
           Case{"127.0.0.1", AddressClass::loopback},
           Case{"127.255.1.2", AddressClass::loopback},
           Case{"::1", AddressClass::loopback},
           Case{"10.0.0.1", AddressClass::private_use},
           Case{"172.16.0.1", AddressClass::private_use},
           Case{"172.31.255.255", AddressClass::private_use},
           Case{"172.32.0.1", AddressClass::global},
           Case{"192.168.1.1", AddressClass::private_use},
           Case{"100.100.100.200", AddressClass::private_use},  // a cloud metadata address
           Case{"fc00::1", AddressClass::private_use},
           Case{"fd00:ec2::254", AddressClass::private_use},    // a cloud metadata address
           Case{"169.254.169.254", AddressClass::link_local},   // the cloud metadata address
           Case{"fe80::1", AddressClass::link_local},
           Case{"0.0.0.0", AddressClass::unspecified},
           Case{"::", AddressClass::unspecified},
           Case{"224.0.0.1", AddressClass::multicast},
           Case{"ff02::1", AddressClass::multicast},
           Case{"255.255.255.255", AddressClass::reserved},
           Case{"::ffff:10.0.0.1", AddressClass::private_use},  // IPv4-mapped: judged as IPv4
           Case{"::ffff:127.0.0.1", AddressClass::loopback},
           Case{"::ffff:169.254.169.254", AddressClass::link_local},
           Case{"64:ff9b::a9fe:a9fe", AddressClass::link_local},  // NAT64 of 169.254.169.254
           Case{"::ffff:93.184.216.34", AddressClass::global},
       }) {
    EXPECT_EQ(c.expected, classify(c.address)) << c.address;
  }
}

TEST(AddressPolicy, AddressPolicyAllowsOnlyGlobalAddressesAndLoopbackWhenAsked) {
  const auto bytes = [](const char* text) { return boost::asio::ip::make_address_v4(text).to_bytes(); };
  AddressPolicy production;
  EXPECT_FALSE(production.refusal(bytes("93.184.216.34")));
  EXPECT_TRUE(production.refusal(bytes("127.0.0.1")));
  EXPECT_TRUE(production.refusal(bytes("10.1.2.3")));
  EXPECT_TRUE(production.refusal(bytes("169.254.169.254")));

  AddressPolicy tests{.allow_loopback = true};
  EXPECT_FALSE(tests.refusal(bytes("127.0.0.1")));
  EXPECT_TRUE(tests.refusal(bytes("10.1.2.3"))) << "allowing loopback allows nothing else";
  EXPECT_TRUE(tests.refusal(bytes("169.254.169.254")));
}

TEST(AddressPolicy, AddressOfAnUnknownLengthIsRefused) {
  const uint8_t five[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(AddressClass::reserved, classify_address(five));
  EXPECT_TRUE(AddressPolicy{.allow_loopback = true}.refusal(five));
}

}  // namespace
}  // namespace sg::net
