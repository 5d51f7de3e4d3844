// Which AWS service a request is signed for, so one port can serve many: the service of
// the SigV4 credential scope ("AKID/20240101/us-east-1/<service>/aws4_request").
#pragma once

#include <string>

#include "http/message.h"

namespace auth {

// The service named in the Authorization header's Credential (AWS4-HMAC-SHA256) or in the
// X-Amz-Credential query parameter (presigned URLs): "s3", "sts", "cloudfront", ... "" when
// the request carries neither (anonymous, SigV2) or the scope is malformed; whoever serves
// "" then answers the request, and authentication reports what is wrong with it.
// Reads the scope only: nothing is verified here.
std::string signed_service(const http::Request& request);

}  // namespace auth
