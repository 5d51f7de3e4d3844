"""The presign route (API Gateway JWT authorizer + the Lambda that presigns an avatar
upload) against the real server: a token from `minicloud token`, POST the route as the
React page does, PUT the file to the returned URL with the signed Content-Type, and the
event pipeline turns it into avatars/<sub>.jpg. Bad tokens (missing, expired, garbage,
another secret) get 401 JSON; preflights are answered per the route's origins; a custom
stack verifies RS256 tokens with a JWKS; --public-url and --trust-proxy decide the URL's
host and the signature holds only for that host."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from harness import BIN, ROOT, MiniCloud, ServerTestCase, jpeg_size, wait_object

UPLOADS = "cruddur-uploaded-avatars"
ASSETS = "assets.cruddur.com"
ROUTE = "/_api/avatars/key_upload"
LANDSCAPE = os.path.join(ROOT, "fixtures", "images", "landscape.jpg")
JWKS_FILE = os.path.join(ROOT, "fixtures", "jwt", "jwks.json")
PRIVATE_JWK = os.path.join(ROOT, "fixtures", "jwt", "test-private-key.jwk.json")
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_minicloud"
CLIENT_ID = "5nmcloudtestclient000000000"


def request(url, method="GET", body=None, headers=None):
    """(status, headers, body bytes) for any status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def call_route(endpoint, token, body=b'{"extension":"jpg"}', origin="http://localhost:3000", path=ROUTE, headers=None):
    h = {"Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if origin:
        h["Origin"] = origin
    h.update(headers or {})
    status, response_headers, data = request(endpoint + path, "POST", body, h)
    return status, response_headers, json.loads(data) if data else None


def minicloud_token(*args, env=None):
    proc = subprocess.run([BIN, "token"] + list(args), capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))
    return proc


def token_for(sub, *args, env=None):
    proc = minicloud_token("--sub", sub, *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_int(text):
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def rs256_token(claims, kid="minicloud-test-key-1"):
    """RS256 (RSASSA-PKCS1-v1_5 with SHA-256) in plain Python with the fixture's test key,
    independent of minicloud's OpenSSL code."""
    with open(PRIVATE_JWK) as f:
        jwk = json.load(f)
    n, d = b64url_int(jwk["n"]), b64url_int(jwk["d"])
    size = (n.bit_length() + 7) // 8
    signing_input = (b64url(json.dumps({"alg": "RS256", "kid": kid}).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(signing_input).digest()
    encoded = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    signature = pow(int.from_bytes(encoded, "big"), d, n).to_bytes(size, "big")
    return signing_input.decode() + "." + b64url(signature)


def cognito_access_claims(sub, **overrides):
    now = int(time.time())
    claims = {"sub": sub, "iss": ISSUER, "client_id": CLIENT_ID, "origin_jti": str(uuid.uuid4()),
              "event_id": str(uuid.uuid4()), "token_use": "access", "scope": "aws.cognito.signin.user.admin",
              "auth_time": now, "exp": now + 3600, "iat": now, "jti": str(uuid.uuid4()), "username": "andrewbrown"}
    claims.update(overrides)
    return claims


def put(url, data, content_type, headers=None, to=None):
    """PUT to a presigned URL; `to` sends it to another server with the URL's path and query."""
    target = url
    if to:
        parsed = urllib.parse.urlsplit(url)
        target = to + parsed.path + "?" + parsed.query
    h = {"Content-Type": content_type} if content_type else {}
    h.update(headers or {})
    status, _, body = request(target, "PUT", data, h)
    return status, body


class DefaultStackRouteTest(ServerTestCase):
    """The default stack's route, as the original app uses it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        with open(LANDSCAPE, "rb") as f:
            cls.photo = f.read()

    def test_token_then_url_then_put_then_avatar(self):
        sub = str(uuid.uuid4())
        status, headers, body = call_route(self.mc.endpoint, token_for(sub))
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(headers["Access-Control-Allow-Origin"], "http://localhost:3000")
        self.assertEqual(headers["Access-Control-Allow-Credentials"], "true")
        url = body["url"]
        self.assertTrue(url.startswith(self.mc.endpoint + "/%s/%s.jpg?" % (UPLOADS, sub)), url)
        self.assertIn("X-Amz-Expires=300", url)

        # The page: fetch(url, {method: "PUT", body: file, headers: {"Content-Type": file.type}}).
        status, body = put(url, self.photo, "image/jpeg")
        self.assertEqual(status, 200, body)
        head = self.s3.head_object(Bucket=UPLOADS, Key=sub + ".jpg")
        self.assertEqual(head["ContentType"], "image/jpeg")
        self.assertEqual(head["ContentLength"], len(self.photo))

        # ThumbLambda: the upload becomes the app's avatar.
        avatar = wait_object(self.s3, ASSETS, "avatars/%s.jpg" % sub)
        self.assertEqual(jpeg_size(avatar["Body"].read()), (512, 512))

    def test_a_different_content_type_breaks_the_signature(self):
        sub = str(uuid.uuid4())
        _, _, body = call_route(self.mc.endpoint, token_for(sub), b'{"extension":"png"}')
        status, error = put(body["url"], b"\x89PNG fake", "image/jpeg")
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", error)
        status, _ = put(body["url"], b"\x89PNG fake", None)
        self.assertEqual(status, 403)
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket=UPLOADS, Key=sub + ".png")
        # content_type from the body is what gets signed.
        _, _, body = call_route(self.mc.endpoint, token_for(sub), b'{"extension":"jpg","content_type":"image/pjpeg"}')
        self.assertEqual(put(body["url"], self.photo[:1000], "image/pjpeg")[0], 200)

    def test_bad_tokens_get_401_json_with_the_reason_and_cors_headers(self):
        sub = str(uuid.uuid4())
        cases = {
            "missing Authorization header (Bearer token)": None,
            "token expired": token_for(sub, "--ttl", "-60"),
            "invalid signature": token_for(sub, env={"MINICLOUD_JWT_SECRET": "another-secret"}),
        }
        for message, token in cases.items():
            status, headers, body = call_route(self.mc.endpoint, token)
            self.assertEqual(status, 401, body)
            self.assertEqual(body, {"message": message})
            self.assertEqual(headers["Access-Control-Allow-Origin"], "http://localhost:3000")
        status, _, body = call_route(self.mc.endpoint, "garbage")
        self.assertEqual(status, 401)
        self.assertTrue(body["message"].startswith("malformed token"), body)
        unsigned = b64url(b'{"alg":"none"}') + "." + b64url(json.dumps({"sub": sub, "exp": int(time.time()) + 60}).encode()) + "."
        status, _, body = call_route(self.mc.endpoint, unsigned)
        self.assertEqual((status, body["message"]), (401, "unsigned tokens (alg none) are not accepted"))
        # Not an allowed origin: still answered, without CORS headers (the browser blocks it).
        status, headers, _ = call_route(self.mc.endpoint, None, origin="http://evil.example")
        self.assertEqual(status, 401)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])

    def test_bad_bodies_get_400_json(self):
        token = token_for(str(uuid.uuid4()))
        for body in (b"{not json", b'{"extension":"j/pg"}', b'{"extension":""}', b'{"extension":"abcdefghijk"}', b"[]"):
            status, _, answer = call_route(self.mc.endpoint, token, body)
            self.assertEqual(status, 400, body)
            self.assertIn("message", answer)

    def test_preflight_allowed_and_denied(self):
        allowed = "https://3000-omenking-awsbootcampcru-2n1d6e0bd1f.ws-us94.gitpod.io"
        status, headers, _ = request(self.mc.endpoint + ROUTE, "OPTIONS", headers={
            "Origin": allowed, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        self.assertEqual(status, 204)
        self.assertEqual(headers["Access-Control-Allow-Origin"], allowed)
        self.assertEqual(headers["Access-Control-Allow-Credentials"], "true")
        self.assertEqual(headers["Access-Control-Allow-Methods"], "OPTIONS, POST")
        self.assertEqual(headers["Access-Control-Allow-Headers"], "authorization, content-type")
        self.assertTrue(int(headers["Access-Control-Max-Age"]) > 0)
        for origin in ("http://127.0.0.1:3000", "http://localhost:3000"):
            status, headers, _ = request(self.mc.endpoint + ROUTE, "OPTIONS", headers={
                "Origin": origin, "Access-Control-Request-Method": "POST"})
            self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (204, origin))

        status, headers, body = request(self.mc.endpoint + ROUTE, "OPTIONS", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})
        self.assertEqual(status, 403)
        self.assertIsNone(headers["Access-Control-Allow-Origin"])
        self.assertIn("message", json.loads(body))

    def test_the_url_names_the_host_the_caller_used(self):
        localhost = "http://localhost:%d" % self.mc.port
        _, _, body = call_route(localhost, token_for("me"))
        self.assertTrue(body["url"].startswith(localhost + "/%s/me.jpg?" % UPLOADS), body["url"])
        self.assertEqual(put(body["url"], b"bytes", "image/jpeg")[0], 200)
        # The same URL sent to 127.0.0.1 is signed for another host.
        self.assertEqual(put(body["url"], b"bytes", "image/jpeg", to=self.mc.endpoint)[0], 403)

    def test_start_up_lines_name_the_route_and_the_secret(self):
        logs = self.mc.logs()
        self.assertIn("presign route: POST %s%s -> s3://%s/{sub}.{extension} (300 s)" % (self.mc.endpoint, ROUTE, UPLOADS), logs)
        self.assertIn("HS256 secret: minicloud-dev-secret", logs)

    def test_other_api_paths(self):
        status, _, body = request(self.mc.endpoint + "/_api/events")
        self.assertEqual(status, 200)
        self.assertIn("events", json.loads(body))
        status, _, body = request(self.mc.endpoint + "/_api/nothing/here")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))
        status, headers, body = request(self.mc.endpoint + ROUTE)
        self.assertEqual((status, headers["Allow"]), (405, "OPTIONS, POST"))


class TokenCommandTest(unittest.TestCase):
    def payload(self, token):
        parts = token.split(".")
        self.assertEqual(len(parts), 3)
        self.assertEqual(json.loads(base64.urlsafe_b64decode(parts[0] + "==")), {"alg": "HS256", "typ": "JWT"})
        return json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))

    def test_claims_like_a_cognito_access_token(self):
        claims = self.payload(token_for("1234-abcd", "--ttl", "120", "--username", "andrew"))
        self.assertEqual(claims["sub"], "1234-abcd")
        self.assertEqual(claims["username"], "andrew")
        self.assertEqual(claims["token_use"], "access")
        self.assertEqual(claims["exp"] - claims["iat"], 120)
        self.assertLess(abs(claims["iat"] - time.time()), 60)

    def test_route_choice_and_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            stack_file = os.path.join(tmp, "stack.json")
            with open(stack_file, "w") as f:
                json.dump({"buckets": [{"name": "b"}], "presign_routes": [
                    {"path": "/_api/rs", "bucket": "b", "auth": {"jwks_file": JWKS_FILE}},
                    {"path": "/_api/hs", "bucket": "b", "auth": {"hs256_secret": "s2", "audience": "c", "issuer": "i"}}]}, f)
            claims = self.payload(token_for("x", "--stack", stack_file))
            self.assertEqual((claims["client_id"], claims["iss"]), ("c", "i"))
            proc = minicloud_token("--sub", "x", "--stack", stack_file, "--route", "/_api/rs")
            self.assertEqual(proc.returncode, 2)
            self.assertIn("no hs256_secret", proc.stderr)
            proc = minicloud_token("--sub", "x", "--stack", stack_file, "--route", "/_api/none")
            self.assertEqual(proc.returncode, 2)
            self.assertIn("no presign route with path /_api/none", proc.stderr)


class RelativeJwksTest(unittest.TestCase):
    def test_a_relative_jwks_file_is_found_beside_the_stack_file(self):
        # The harness writes the stack to MiniCloud.tmp/stack.json: put the JWKS beside it.
        stack = {"buckets": [{"name": "b"}], "presign_routes": [
            {"path": "/_api/rs", "bucket": "b", "auth": {"jwks_file": "keys/jwks.json"}}]}
        mc = MiniCloud(stack=stack)
        os.makedirs(os.path.join(mc.tmp, "keys"))
        shutil.copy(JWKS_FILE, os.path.join(mc.tmp, "keys", "jwks.json"))
        with mc:
            status, _, body = call_route(mc.endpoint, rs256_token(cognito_access_claims("rel-sub")), path="/_api/rs")
            self.assertEqual(status, 200, body)
            self.assertIn("/b/rel-sub.jpg?", body["url"])


class Rs256StackTest(ServerTestCase):
    """A stack of one's own: RS256 tokens checked against a JWKS file, as a Cognito pool's."""
    stack = {
        "buckets": [{"name": "user-uploads"}],
        "presign_routes": [{
            "method": "POST", "path": "/_api/uploads/url", "bucket": "user-uploads",
            "key": "users/{username}/{sub}.{extension}", "expires_s": 60,
            "cors_origins": ["http://localhost:5173"],
            "auth": {"jwks_file": JWKS_FILE, "issuer": ISSUER, "audience": CLIENT_ID, "token_use": "access"}}],
    }

    def call(self, token, **kwargs):
        return call_route(self.mc.endpoint, token, path="/_api/uploads/url", origin="http://localhost:5173", **kwargs)

    def test_a_cognito_shaped_rs256_token_gets_a_working_url(self):
        sub = str(uuid.uuid4())
        status, headers, body = self.call(rs256_token(cognito_access_claims(sub)), body=b'{"extension":"webp"}')
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "http://localhost:5173")
        self.assertIn("/user-uploads/users/andrewbrown/%s.webp?" % sub, body["url"])
        self.assertIn("X-Amz-Expires=60", body["url"])
        self.assertEqual(put(body["url"], b"RIFF....WEBP", "image/webp")[0], 200)
        head = self.mc.boto3_client().head_object(Bucket="user-uploads", Key="users/andrewbrown/%s.webp" % sub)
        self.assertEqual(head["ContentType"], "image/webp")

    def test_claims_and_keys_are_checked(self):
        sub = str(uuid.uuid4())
        cases = [
            ("wrong audience (client_id is not %s)" % CLIENT_ID, rs256_token(cognito_access_claims(sub, client_id="other"))),
            ("wrong token_use (expected access)", rs256_token(cognito_access_claims(sub, token_use="id"))),
            ("wrong issuer (expected %s)" % ISSUER, rs256_token(cognito_access_claims(sub, iss="https://evil"))),
            ("token expired", rs256_token(cognito_access_claims(sub, exp=int(time.time()) - 3600))),
            ("no key with kid other-kid in the JWKS", rs256_token(cognito_access_claims(sub), kid="other-kid")),
            ("HS256 tokens are not accepted here (no hs256_secret)", token_for(sub)),
        ]
        for message, token in cases:
            status, _, body = self.call(token)
            self.assertEqual((status, body), (401, {"message": message}))
        good = rs256_token(cognito_access_claims(sub))
        header, payload, signature = good.split(".")
        forged = header + "." + b64url(json.dumps(cognito_access_claims("someone-else")).encode()) + "." + signature
        self.assertEqual(self.call(forged)[2], {"message": "invalid signature"})

    def test_the_default_route_is_not_there(self):
        status, _, body = request(self.mc.endpoint + ROUTE, "POST", b"{}")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))


class PublicUrlAndProxyTest(unittest.TestCase):
    """Where the URL points, and that its signature holds only for that host."""
    FORWARDED = {"X-Forwarded-Host": "4566-abc123.ws-eu110.gitpod.io", "X-Forwarded-Proto": "https"}

    def test_public_url(self):
        with MiniCloud("--public-url", "https://minicloud.example:8443/") as mc:
            _, _, body = call_route(mc.endpoint, token_for("pub"))
            url = body["url"]
            self.assertTrue(url.startswith("https://minicloud.example:8443/%s/pub.jpg?" % UPLOADS), url)
            # A proxy that keeps the Host header: the signature holds.
            self.assertEqual(put(url, b"x", "image/jpeg", to=mc.endpoint, headers={"Host": "minicloud.example:8443"})[0], 200)
            # One that rewrites Host to the backend: it does not (use --trust-proxy there).
            self.assertEqual(put(url, b"x", "image/jpeg", to=mc.endpoint)[0], 403)
            self.assertIn("presign route: POST https://minicloud.example:8443" + ROUTE, mc.logs())

    def test_public_url_must_be_an_origin(self):
        for bad in ("ftp://x", "https://host/path"):
            proc = subprocess.run([BIN, "serve", "--port", "0", "--in-memory", "--public-url", bad],
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("--public-url", proc.stderr)

    def test_trust_proxy_uses_and_verifies_the_forwarded_host(self):
        with MiniCloud("--trust-proxy") as trusting, MiniCloud() as plain:
            _, _, body = call_route(trusting.endpoint, token_for("proxied"), headers=self.FORWARDED)
            url = body["url"]
            self.assertTrue(url.startswith("https://4566-abc123.ws-eu110.gitpod.io/%s/proxied.jpg?" % UPLOADS), url)
            # The proxy forwards the browser's PUT with the same headers: valid.
            self.assertEqual(put(url, b"x", "image/jpeg", to=trusting.endpoint, headers=self.FORWARDED)[0], 200)
            # Without --trust-proxy the forwarded headers are ignored: Host is the backend's,
            # so the same URL (same credentials) does not verify, and minted URLs name the backend.
            status, error = put(url, b"x", "image/jpeg", to=plain.endpoint, headers=self.FORWARDED)
            self.assertEqual(status, 403)
            self.assertIn(b"SignatureDoesNotMatch", error)
            _, _, body = call_route(plain.endpoint, token_for("proxied"), headers=self.FORWARDED)
            self.assertTrue(body["url"].startswith(plain.endpoint + "/"), body["url"])

    def test_trust_proxy_applies_to_every_sigv4_request(self):
        # boto3 signs the host it connects to; a proxy would send the public one: with
        # --trust-proxy, X-Forwarded-Host must then match what the client signed.
        with MiniCloud("--trust-proxy") as mc:
            s3 = mc.boto3_client()
            s3.put_object(Bucket=UPLOADS, Key="direct.txt", Body=b"no proxy headers")
            forwarded_host = urllib.parse.urlsplit(mc.endpoint).netloc

            def add_forwarded(request, **_):
                request.headers["X-Forwarded-Host"] = forwarded_host
                request.headers["X-Forwarded-Proto"] = "http"
            s3.meta.events.register("before-send.s3.PutObject", add_forwarded)
            s3.put_object(Bucket=UPLOADS, Key="forwarded-same.txt", Body=b"same host")

            def add_other(request, **_):
                request.headers["X-Forwarded-Host"] = "elsewhere.example"
            s3.meta.events.unregister("before-send.s3.PutObject", add_forwarded)
            s3.meta.events.register("before-send.s3.PutObject", add_other)
            with self.assertRaises(s3.exceptions.ClientError) as ctx:
                s3.put_object(Bucket=UPLOADS, Key="forwarded-other.txt", Body=b"other host")
            self.assertEqual(ctx.exception.response["Error"]["Code"], "SignatureDoesNotMatch")


if __name__ == "__main__":
    unittest.main()
