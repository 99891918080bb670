// GMime, the MIME library Sendguard reads submitted messages and writes delivery reports
// with: its one-time initialisation and owning handles for its reference-counted objects.
#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace sg::mail::gmime {

// Initialises GMime once per process; call before any other GMime function. Thread-safe.
void ensure_initialised();

struct Unref {
  void operator()(void* object) const { g_object_unref(object); }
};
// Owns one reference to a GObject.
template <class T>
using Ptr = std::unique_ptr<T, Unref>;

// Format options writing CRLF line ends, as SMTP carries them.
std::unique_ptr<GMimeFormatOptions, void (*)(GMimeFormatOptions*)> crlf_format();

// Parses `text` as one message; null when GMime cannot make a message of it.
Ptr<GMimeMessage> parse_message(std::string_view text);

// A g_malloc'd string GMime returned, copied and freed; "" for null.
std::string take_string(char* text);

// `object` written out with CRLF line ends, every byte kept (8BITMIME bodies may hold any).
std::string serialise(GMimeObject* object);

}  // namespace sg::mail::gmime
