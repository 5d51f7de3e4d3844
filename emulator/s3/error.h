// The S3 layer's names for core's error value (core/error.h): S3Error is core::Error, and
// the S3 code reads `Result<T>`, `ErrorCode::NoSuchKey`, `make_error(...)` unqualified.
// S3's XML error body is written in one place: s3/xml.h error_body().
#pragma once

#include "core/error.h"

namespace s3 {

using core::ErrorCode;
using core::make_error;
using S3Error = core::Error;
template <typename T>
using Result = core::Result<T>;

}  // namespace s3
