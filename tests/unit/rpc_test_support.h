// Test helpers for the query/JSON services: requests signed for them, run through an
// rpc::Front.
#pragma once

#include <string>

#include "rpc/front.h"
#include "sigv4_test_support.h"

namespace rpc_test {

// A query-protocol request ("Action=...&Version=...") signed with test/test.
inline http::Request query_request(const std::string& body, const std::string& service = "sts",
                                   const std::string& key = "test", const std::string& secret = "test",
                                   const std::string& token = {}) {
  http::Request r = post("application/x-www-form-urlencoded; charset=utf-8");
  sign(r, body, key, secret, service, token);
  return r;
}

// A JSON 1.1 request for `target` ("AmazonSSM.GetParameter") signed with test/test.
inline http::Request json_request(const std::string& target, const std::string& body,
                                  const std::string& service = "ssm") {
  http::Request r = post("application/x-amz-json-1.1", {{"X-Amz-Target", target}});
  sign(r, body, "test", "test", service);
  return r;
}

inline http::Response run(rpc::Front& front, const rpc::Service& service, http::Request request,
                          const std::string& body) {
  http::RequestBody b = body_of(body);
  return front.handle(service, request, b);
}

}  // namespace rpc_test
