// A bucket's CORS configuration: the S3 XML document <-> http::cors::Rule, and the headers
// it puts on actual cross-origin responses. The operations (Put/Get/DeleteBucketCors and
// the OPTIONS preflight) are in s3/cors.cpp too, declared in s3/context.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/cors.h"
#include "http/message.h"
#include "s3/error.h"
#include "store/store.h"

namespace s3 {

// <CORSConfiguration><CORSRule>... -> rules. MalformedXML for a bad document,
// InvalidRequest (with S3's message) for rules S3 refuses.
Result<std::vector<http::cors::Rule>> parse_cors_xml(std::string_view document);
std::string cors_xml(const std::vector<http::cors::Rule>& rules);

// The bucket's rules; empty when it has no CORS configuration.
Result<std::vector<http::cors::Rule>> bucket_cors_rules(store::Store& store, const std::string& bucket);

// For a request with an Origin header: adds the CORS headers of the first rule allowing
// that origin and the request's method (S3 does this on error responses too). No-op
// without Origin, without a configuration or without a matching rule.
void add_bucket_cors_headers(store::Store& store, const std::string& bucket, const http::Request& request,
                             http::Response& response);

}  // namespace s3
