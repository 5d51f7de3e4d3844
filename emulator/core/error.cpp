#include "core/error.h"

namespace core {
namespace {

struct ErrorInfo {
  std::string_view name;
  int status;
  std::string_view message;
};

ErrorInfo info(ErrorCode code) {
  switch (code) {
    case ErrorCode::AccessDenied: return {"AccessDenied", 403, "Access Denied"};
    case ErrorCode::AuthorizationHeaderMalformed: return {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."};
    case ErrorCode::AuthorizationQueryParametersError: return {"AuthorizationQueryParametersError", 400, "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."};
    case ErrorCode::BadDigest: return {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."};
    case ErrorCode::BadRequest: return {"BadRequest", 400, "Bad Request"};
    case ErrorCode::BucketAlreadyOwnedByYou: return {"BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it."};
    case ErrorCode::BucketNotEmpty: return {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty"};
    case ErrorCode::EntityTooLarge: return {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"};
    case ErrorCode::EntityTooSmall: return {"EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed object size."};
    case ErrorCode::IncompleteBody: return {"IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header."};
    case ErrorCode::InternalError: return {"InternalError", 500, "We encountered an internal error. Please try again."};
    case ErrorCode::InvalidAccessKeyId: return {"InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."};
    case ErrorCode::InvalidArgument: return {"InvalidArgument", 400, "Invalid Argument"};
    case ErrorCode::InvalidBucketName: return {"InvalidBucketName", 400, "The specified bucket is not valid."};
    case ErrorCode::InvalidDigest: return {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."};
    case ErrorCode::InvalidPart: return {"InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."};
    case ErrorCode::InvalidPartOrder: return {"InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number."};
    case ErrorCode::InvalidPartNumber: return {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"};
    case ErrorCode::InvalidPolicyDocument: return {"InvalidPolicyDocument", 400, "The content of the form does not meet the conditions specified in the policy document."};
    case ErrorCode::InvalidRange: return {"InvalidRange", 416, "The requested range is not satisfiable"};
    case ErrorCode::InvalidRequest: return {"InvalidRequest", 400, "Invalid Request"};
    case ErrorCode::InvalidStorageClass: return {"InvalidStorageClass", 400, "The storage class you specified is not valid"};
    case ErrorCode::KeyTooLongError: return {"KeyTooLongError", 400, "Your key is too long"};
    case ErrorCode::MalformedXML: return {"MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema"};
    case ErrorCode::MalformedPOSTRequest: return {"MalformedPOSTRequest", 400, "The body of your POST request is not well-formed multipart/form-data."};
    case ErrorCode::MaxPostPreDataLengthExceeded: return {"MaxPostPreDataLengthExceeded", 400, "Your POST request fields preceeding the upload file was too large."};  // sic, as S3 spells it
    case ErrorCode::MetadataTooLarge: return {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."};
    case ErrorCode::MethodNotAllowed: return {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."};
    case ErrorCode::MissingContentLength: return {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."};
    case ErrorCode::MissingSecurityHeader: return {"MissingSecurityHeader", 400, "Your request was missing a required header"};
    case ErrorCode::NoSuchBucket: return {"NoSuchBucket", 404, "The specified bucket does not exist"};
    case ErrorCode::NoSuchKey: return {"NoSuchKey", 404, "The specified key does not exist."};
    case ErrorCode::NoSuchUpload: return {"NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."};
    case ErrorCode::NoSuchCORSConfiguration: return {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"};
    case ErrorCode::NotImplemented: return {"NotImplemented", 501, "A header you provided implies functionality that is not implemented"};
    case ErrorCode::NotModified: return {"NotModified", 304, "Not Modified"};
    case ErrorCode::PreconditionFailed: return {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"};
    case ErrorCode::RequestHeaderSectionTooLarge: return {"RequestHeaderSectionTooLarge", 400, "Your request header section exceeds the maximum allowed size."};
    case ErrorCode::RequestTimeout: return {"RequestTimeout", 400, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed."};
    case ErrorCode::RequestTimeTooSkewed: return {"RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."};
    case ErrorCode::SlowDown: return {"SlowDown", 503, "Please reduce your request rate."};
    case ErrorCode::SignatureDoesNotMatch: return {"SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."};
    case ErrorCode::XAmzContentSHA256Mismatch: return {"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."};
    case ErrorCode::InvalidToken: return {"InvalidToken", 400, "The provided token is malformed or otherwise invalid."};
    case ErrorCode::ProvidedTokenExpired: return {"ExpiredToken", 400, "The provided token has expired."};
    case ErrorCode::NoSuchDistribution: return {"NoSuchDistribution", 404, "The specified distribution does not exist."};
    case ErrorCode::NoSuchInvalidation: return {"NoSuchInvalidation", 404, "The specified invalidation does not exist."};
    case ErrorCode::CORSForbidden: return {"AccessForbidden", 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."};
    case ErrorCode::ValidationError: return {"ValidationError", 400, "Validation error"};
    case ErrorCode::InvalidAction: return {"InvalidAction", 400, "The action or operation requested is invalid."};
    case ErrorCode::MissingAction: return {"MissingAction", 400, "The request must contain the parameter Action."};
    case ErrorCode::UnknownOperation: return {"UnknownOperationException", 400, "The operation is not supported."};
    case ErrorCode::SerializationException: return {"SerializationException", 400, "The request body could not be read."};
    case ErrorCode::InvalidClientTokenId: return {"InvalidClientTokenId", 403, "The security token included in the request is invalid."};
    case ErrorCode::ExpiredToken: return {"ExpiredToken", 403, "The security token included in the request is expired"};
    case ErrorCode::MissingAuthenticationToken: return {"MissingAuthenticationToken", 403, "Request is missing Authentication Token"};
    case ErrorCode::UnrecognizedClient: return {"UnrecognizedClientException", 400, "The security token included in the request is invalid."};
    case ErrorCode::InvalidSignature: return {"InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."};
    case ErrorCode::ExpiredTokenException: return {"ExpiredTokenException", 400, "The security token included in the request is expired"};
    case ErrorCode::IncompleteSignature: return {"IncompleteSignature", 400, "The request signature does not conform to AWS standards."};
    case ErrorCode::InternalFailure: return {"InternalFailure", 500, "The request processing has failed because of an unknown error, exception or failure."};
    case ErrorCode::AlreadyExistsException: return {"AlreadyExistsException", 400, "Resource already exists"};
    case ErrorCode::ChangeSetNotFound: return {"ChangeSetNotFound", 404, "ChangeSet does not exist"};
    case ErrorCode::InsufficientCapabilities: return {"InsufficientCapabilitiesException", 400, "Requires capabilities"};
    case ErrorCode::InvalidChangeSetStatus: return {"InvalidChangeSetStatus", 400, "The change set cannot be executed in its current status."};
    // AWS's ParameterNotFound has no message.
    case ErrorCode::ParameterNotFound: return {"ParameterNotFound", 400, ""};
    case ErrorCode::ParameterAlreadyExists: return {"ParameterAlreadyExists", 400, "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."};
    case ErrorCode::ParameterVersionNotFound: return {"ParameterVersionNotFound", 400, "The specified parameter version was not found."};
    case ErrorCode::HierarchyLevelLimitExceeded: return {"HierarchyLevelLimitExceededException", 400, "Parameter path exceeds the maximum number of levels (15)."};
    case ErrorCode::InvalidNextToken: return {"InvalidNextToken", 400, "The specified token is not valid."};
    case ErrorCode::ValidationException: return {"ValidationException", 400, "Validation error"};
    case ErrorCode::RepositoryNotFound: return {"RepositoryNotFoundException", 400, "The repository does not exist."};
  }
  return {"InternalError", 500, "We encountered an internal error. Please try again."};
}

}  // namespace

int Error::http_status() const { return info(code).status; }
std::string_view Error::code_name() const { return info(code).name; }
std::string Error::effective_message() const {
  return message.empty() ? std::string(info(code).message) : message;
}

Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}, {}};
}

}  // namespace core
