// serve --trust-proxy: behind a forwarding proxy (Gitpod, Codespaces, a reverse proxy) the
// browser's host and scheme arrive as X-Forwarded-Host / X-Forwarded-Proto. They are
// applied once, at the ingress, before any routing or authentication: the Host header is
// replaced and Request::scheme set, so SigV4 verification, virtual-host routing and the
// URLs minted by the presign routes all see the host the browser used.
#pragma once

#include "http/message.h"

namespace http {

// Host := the first X-Forwarded-Host value, scheme := the first X-Forwarded-Proto value
// (http or https). A value that is not a plausible host[:port] is ignored.
void apply_forwarded_headers(Request& request);

// host, host:port, [v6]:port; letters, digits, '-', '.', ':' and brackets only.
bool is_valid_authority(std::string_view authority);

}  // namespace http
