// S3Error: every failure the emulator can answer with, as a value. One table maps each
// code to its HTTP status and default message (error.cpp); http/response code turns it
// into S3's XML error body in one place.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3 {

enum class ErrorCode {
  AccessDenied,
  AuthorizationHeaderMalformed,
  AuthorizationQueryParametersError,
  BadDigest,
  BadRequest,
  BucketAlreadyOwnedByYou,
  BucketNotEmpty,
  EntityTooLarge,
  EntityTooSmall,
  IncompleteBody,
  InternalError,
  InvalidAccessKeyId,
  InvalidArgument,
  InvalidBucketName,
  InvalidDigest,
  InvalidPart,
  InvalidPartOrder,
  InvalidPolicyDocument,
  InvalidRange,
  InvalidRequest,
  InvalidStorageClass,
  KeyTooLongError,
  MalformedXML,
  MalformedPOSTRequest,
  MaxPostPreDataLengthExceeded,
  MetadataTooLarge,
  MethodNotAllowed,
  MissingContentLength,
  MissingSecurityHeader,
  NoSuchBucket,
  NoSuchKey,
  NoSuchUpload,
  NoSuchCORSConfiguration,
  NotImplemented,
  NotModified,         // 304, no body
  PreconditionFailed,
  RequestTimeTooSkewed,
  SignatureDoesNotMatch,
  XAmzContentSHA256Mismatch,
  // CloudFront / minicloud-specific codes reuse the same mechanism.
  NoSuchDistribution,
  NoSuchInvalidation,
  CORSForbidden,       // 403 "CORSResponse: This CORS request is not allowed"
};

struct S3Error {
  ErrorCode code;
  std::string message;   // empty -> the code's default message
  std::string resource;  // e.g. "/bucket/key"; filled by the router when empty
  // Extra XML elements some errors carry (e.g. StringToSign, CanonicalRequest,
  // BucketName, Key, ArgumentName). Written in order after Message.
  std::vector<std::pair<std::string, std::string>> details;

  int http_status() const;
  std::string_view code_name() const;      // "NoSuchKey"
  std::string effective_message() const;   // message, or the code's default
};

// Make an error with an optional message override.
S3Error make_error(ErrorCode code, std::string message = {});

template <typename T>
using Result = std::expected<T, S3Error>;

}  // namespace s3
