// Umbrella header for the auth layer: SigV4 verification and presigning, the aws-chunked
// decoder, checksums. See each header for its contract.
#pragma once

#include "auth/authenticate.h"
#include "auth/checksum.h"
#include "auth/chunked.h"
#include "auth/crypto.h"
#include "auth/presign.h"
#include "auth/signing_key_cache.h"
#include "auth/sigv4.h"
