// core::Error: every failure minicloud can answer with, as a value, whichever service
// answers (S3, CloudFront, CloudFormation, STS, SSM). One table maps each code to its HTTP
// status and default message (error.cpp); each protocol writes it in its own format in one
// place (S3's XML in s3/xml, the query and JSON protocols in rpc/).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core {

enum class ErrorCode {
  // S3
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
  InvalidPartNumber,   // 416 GetObject ?partNumber= beyond the object's parts
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
  RequestHeaderSectionTooLarge,  // 400 a request head past http::HeadLimits
  RequestTimeout,      // 400 a request head or body that stopped arriving
  RequestTimeTooSkewed,
  SignatureDoesNotMatch,
  SlowDown,            // 503 more connections than serve --threads
  XAmzContentSHA256Mismatch,
  // Temporary credentials (STS) used against S3: S3's names and messages. The query and
  // JSON protocols answer InvalidClientTokenId / ExpiredToken (rpc/ translates).
  InvalidToken,              // 400 a temporary key without its session token, or a wrong one
  ProvidedTokenExpired,      // 400 "ExpiredToken" "The provided token has expired."
  // CloudFront
  NoSuchDistribution,
  NoSuchInvalidation,
  CORSForbidden,       // 403 "CORSResponse: This CORS request is not allowed"
  // The query and JSON protocols (CloudFormation, STS, SSM, IAM): common errors
  ValidationError,           // 400; CloudFormation's and STS's catch-all ("ValidationError")
  InvalidAction,             // 400 "Could not find operation X for version Y"
  MissingAction,             // 400
  UnknownOperation,          // 400 JSON protocol: "UnknownOperationException"
  SerializationException,    // 400 JSON protocol: body is not the JSON expected
  InvalidClientTokenId,      // 403 unknown access key (STS's, IAM's, CloudFormation's name for it)
  ExpiredToken,              // 403 temporary credentials past their expiration
  MissingAuthenticationToken,  // 403 an unsigned request
  // The JSON protocol's names for the same authentication failures
  UnrecognizedClient,        // 400 "UnrecognizedClientException": unknown key or bad token
  InvalidSignature,          // 400 "InvalidSignatureException"
  ExpiredTokenException,     // 400 temporary credentials past their expiration
  IncompleteSignature,       // 400
  InternalFailure,           // 500
  // CloudFormation
  AlreadyExistsException,
  ChangeSetNotFound,         // 404 "ChangeSetNotFoundException"
  InsufficientCapabilities,  // 400 "InsufficientCapabilitiesException"
  InvalidChangeSetStatus,    // 400 "InvalidChangeSetStatusException"
  // SSM
  ParameterNotFound,
  ParameterAlreadyExists,
  ParameterVersionNotFound,
  ValidationException,       // 400 SSM's and ECR's validation error
  HierarchyLevelLimitExceeded,  // 400 "HierarchyLevelLimitExceededException": over 15 levels
  InvalidNextToken,          // 400 a NextToken this server did not hand out
  // ECR
  RepositoryNotFound,        // 400 "RepositoryNotFoundException"
};

struct Error {
  ErrorCode code;
  std::string message;   // empty -> the code's default message
  std::string resource;  // e.g. "/bucket/key"; filled by the S3 router when empty
  // Extra XML elements some errors carry (e.g. StringToSign, CanonicalRequest,
  // BucketName, Key, ArgumentName). Written in order after Message.
  std::vector<std::pair<std::string, std::string>> details;

  int http_status() const;
  std::string_view code_name() const;      // "NoSuchKey", "ValidationError", ...
  std::string effective_message() const;   // message, or the code's default
};

// Make an error with an optional message override.
Error make_error(ErrorCode code, std::string message = {});

template <typename T>
using Result = std::expected<T, Error>;

}  // namespace core
