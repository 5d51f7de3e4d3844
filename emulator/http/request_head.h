// The request-head gate: what a request head must be before cpp-httplib parses it.
//
// The connection loop (raw_socket_server) reads each head whole, under a size cap and a
// deadline, and checks it here first. cpp-httplib trusts what it parses: a Content-Length
// of -1 (or beyond int64) made it wait for a body that never comes, holding a server thread
// until the client gave up; a malformed Range made it answer a bare 416 where S3 ignores
// the header. Every refusal is an S3 error, answered at once on a connection then closed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace http {

// Documented in README ("Limits"). S3 documents 8 KB for a PUT's header section; these are
// looser, so nothing S3 accepts is refused.
struct HeadLimits {
  std::size_t max_request_line = 8192;    // method, target (URL) and version
  std::size_t max_header_bytes = 16384;   // all header lines together
  std::size_t max_header_count = 200;
  std::size_t max_head_bytes() const { return max_request_line + max_header_bytes + 4; }
};

// Where the head ends in `bytes` (the offset just past its blank line, "\r\n\r\n" or a bare
// "\n\n"), or npos while it is incomplete.
std::size_t find_head_end(std::string_view bytes);

// Checks a complete head (request line, header lines, blank line). nullopt: cpp-httplib may
// parse it. Otherwise the S3 error to answer with:
//  - BadRequest: no "METHOD target HTTP/1.x" request line, a header line without a name and
//    colon, a Content-Length that is not plain digits within int64, two that disagree;
//  - MethodNotAllowed: a method S3 does not serve (CONNECT, TRACE, ...);
//  - NotImplemented (Header: Transfer-Encoding): a Transfer-Encoding other than "chunked"
//    for an aws-chunked body with x-amz-decoded-content-length, as S3 answers it;
//    BadRequest beside a Content-Length;
//  - RequestHeaderSectionTooLarge: past a limit.
std::optional<core::Error> check_request_head(std::string_view head, const HeadLimits& limits);

// The head as cpp-httplib should parse it: header fields whose meaning S3 defines
// differently from cpp-httplib's are renamed out of its way (Range: S3 ignores an invalid
// one, cpp-httplib answers 416 itself). Handlers see the original head (restore_raw_headers).
std::string head_for_parser(std::string_view head);

}  // namespace http
