// The status line and header block of an HTTP/1.x response, as one string. The server
// writes it and the body in one gather write: Beast's serializer walks a chain of buffer
// views per write that cost more than the rest of a short request's user-space work.
#pragma once

#include <string>

#include "http/types.h"

namespace sg::http {

// Appends to `out` the head of `res`: status line, Server, Content-Type, the response's own
// headers in order, the connection's persistence as HTTP `version` (10 or 11) expresses it,
// and Content-Length `body_bytes` (the GET's length for a HEAD) where the status allows a
// body. A field whose name or value holds CR or LF is left out rather than split the head.
void append_response_head(std::string& out, const Response& res, bool keep_alive, unsigned version,
                          size_t body_bytes);

}  // namespace sg::http
