#include <catch2/catch.hpp>

#include "core/error.h"

TEST_CASE("S3 errors carry their code name, status and default message") {
  auto e = core::make_error(core::ErrorCode::NoSuchKey);
  CHECK(e.code_name() == "NoSuchKey");
  CHECK(e.http_status() == 404);
  CHECK(e.effective_message() == "The specified key does not exist.");
  auto custom = core::make_error(core::ErrorCode::AccessDenied, "Request has expired");
  CHECK(custom.http_status() == 403);
  CHECK(custom.effective_message() == "Request has expired");
}
