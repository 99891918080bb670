#include "mail/gmime_objects.h"

#include <mutex>

namespace sg::mail::gmime {

void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::unique_ptr<GMimeFormatOptions, void (*)(GMimeFormatOptions*)> crlf_format() {
  std::unique_ptr<GMimeFormatOptions, void (*)(GMimeFormatOptions*)> options(g_mime_format_options_new(),
                                                                              &g_mime_format_options_free);
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  return options;
}

Ptr<GMimeMessage> parse_message(std::string_view text) {
  ensure_initialised();
  // The memory stream copies the bytes, so `text` need not outlive the message.
  Ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  Ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  return Ptr<GMimeMessage>(g_mime_parser_construct_message(parser.get(), nullptr));
}

std::string take_string(char* text) {
  if (text == nullptr) return "";
  std::string out(text);
  g_free(text);
  return out;
}

std::string serialise(GMimeObject* object) {
  Ptr<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, crlf_format().get(), stream.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace sg::mail::gmime
