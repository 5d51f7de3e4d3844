"""The CDN against the real server: cache states (Miss -> Hit -> expiry -> RefreshHit) with
the CDN's test clock (serve --test-clock; no sleeps), stale content until invalidation,
Cache-Control clamping, 304, 206, gzip/br negotiation, custom error pages, a private origin,
the distribution's own port, and CloudFront's API through boto3 and the aws CLI."""
import ctypes
import gzip
import http.client
import json
import os
import unittest

from harness import MiniCloud, ServerTestCase

ASSETS = "assets.cruddur.com"
STACK = {
    "buckets": [{"name": ASSETS}, {"name": "site"}, {"name": "2020-05-31"}],
    "distributions": [
        {"id": "E1MINICLOUD", "aliases": ["assets.localhost"], "origin": {"bucket": ASSETS}, "port": 0,
         "behaviors": [{"path_pattern": "/short/*",
                        "cache_policy": {"min_ttl": 5, "default_ttl": 30, "max_ttl": 100}},
                       {"path_pattern": "/plain/*", "compress": False}],
         "custom_error_responses": [{"error_code": 404, "response_page_path": "/errors/404.html",
                                     "response_code": 404, "error_caching_min_ttl": 10}]},
        {"id": "E2SITE", "origin": {"bucket": "site", "path": "/www"}, "default_root_object": "index.html"},
    ],
}


def brotli_decompress(data, max_size=1 << 22):
    """Brotli decoding through the system's libbrotlidec (what the server links against is
    the encoder; the decoder is an independent check)."""
    lib = ctypes.CDLL("libbrotlidec.so.1")
    out = ctypes.create_string_buffer(max_size)
    size = ctypes.c_size_t(max_size)
    ok = lib.BrotliDecoderDecompress(ctypes.c_size_t(len(data)), data, ctypes.byref(size), out)
    if ok != 1:
        raise AssertionError("not a valid brotli stream")
    return out.raw[:size.value]


class CdnClient:
    """Raw HTTP against one server, with full control of Host and Accept-Encoding."""

    def __init__(self, mc):
        self.mc = mc

    def request(self, method, path, headers=None, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.mc.port, timeout=30)
        try:
            conn.request(method, path, headers=dict(headers or {}))
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def get(self, key, headers=None, dist="E1MINICLOUD", method="GET"):
        """By path on the main port: /_cdn/<id>/<key>."""
        return self.request(method, "/_cdn/%s/%s" % (dist, key), headers)

    def advance(self, seconds):
        status, _, body = self.request("POST", "/_cdn/_clock?advance=%d" % seconds)
        assert status == 200, body
        return json.loads(body)


class CdnServingTest(ServerTestCase):
    stack = STACK
    server_args = ("--test-clock",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.cdn = CdnClient(cls.mc)
        cls.s3.put_object(Bucket=ASSETS, Key="errors/404.html", Body=b"<h1>no such avatar</h1>",
                          ContentType="text/html")

    def put(self, key, body, content_type="image/jpeg", bucket=ASSETS, **extra):
        return self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, **extra)

    def x_cache(self, key, **kw):
        status, headers, body = self.cdn.get(key, **kw)
        return status, headers.get("X-Cache"), body

    def test_miss_hit_expiry_refresh_hit(self):
        self.put("avatars/a.jpg", b"\xff\xd8jpeg-one")
        status, headers, body = self.cdn.get("avatars/a.jpg")
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"\xff\xd8jpeg-one"))
        self.assertEqual(headers["Via"], "1.1 e1minicloud.cloudfront.net (CloudFront)")
        self.assertTrue(headers["X-Amz-Cf-Pop"])
        self.assertEqual(len(headers["X-Amz-Cf-Id"]), 56)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")  # SimpleCORS
        self.assertEqual(headers["Content-Type"], "image/jpeg")
        self.assertTrue(headers["ETag"].startswith('"'))
        self.assertTrue(headers["Last-Modified"].endswith("GMT"))
        self.assertIsNone(headers.get("Age"))

        self.cdn.advance(100)
        status, headers, _ = self.cdn.get("avatars/a.jpg")
        self.assertEqual(headers["X-Cache"], "Hit from cloudfront")
        self.assertGreaterEqual(int(headers["Age"]), 100)

        self.cdn.advance(86400)  # past CachingOptimized's default TTL, origin unchanged
        _, headers, body = self.cdn.get("avatars/a.jpg")
        self.assertEqual(headers["X-Cache"], "RefreshHit from cloudfront")
        self.assertEqual(body, b"\xff\xd8jpeg-one")
        self.assertEqual(self.x_cache("avatars/a.jpg")[1], "Hit from cloudfront")

    def test_overwrite_stays_stale_until_invalidation_aws_cli(self):
        self.put("inv/b.jpg", b"version-1")
        host = {"Host": "assets.localhost:4566"}  # by Host header, as the browser reaches it
        status, headers, body = self.cdn.request("GET", "/inv/b.jpg", host)
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"version-1"))
        self.put("inv/b.jpg", b"version-2")
        status, headers, body = self.cdn.request("GET", "/inv/b.jpg", host)
        self.assertEqual((headers["X-Cache"], body), ("Hit from cloudfront", b"version-1"))

        out = self.mc.aws("cloudfront", "create-invalidation", "--distribution-id", "E1MINICLOUD",
                          "--paths", "/inv/*", "--output", "json")
        invalidation = json.loads(out.stdout)["Invalidation"]
        self.assertEqual(invalidation["Status"], "Completed")
        self.assertEqual(invalidation["InvalidationBatch"]["Paths"]["Items"], ["/inv/*"])
        status, headers, body = self.cdn.request("GET", "/inv/b.jpg", host)
        self.assertEqual((headers["X-Cache"], body), ("Miss from cloudfront", b"version-2"))

        got = json.loads(self.mc.aws("cloudfront", "get-invalidation", "--distribution-id", "E1MINICLOUD",
                                     "--id", invalidation["Id"], "--output", "json").stdout)
        self.assertEqual(got["Invalidation"]["Id"], invalidation["Id"])
        listed = json.loads(self.mc.aws("cloudfront", "list-invalidations", "--distribution-id", "E1MINICLOUD",
                                        "--output", "json").stdout)
        self.assertIn(invalidation["Id"], [i["Id"] for i in listed["InvalidationList"]["Items"]])

    def test_cache_control_clamped_to_the_policy(self):
        # /short/*: min 5, default 30, max 100 seconds.
        self.put("short/low.jpg", b"low", CacheControl="max-age=1")
        self.put("short/high.jpg", b"high", CacheControl="max-age=100000")
        self.put("short/none.jpg", b"none")
        self.put("short/nostore.jpg", b"nostore", CacheControl="no-store")
        for key in ("low", "high", "none", "nostore"):
            self.assertEqual(self.x_cache("short/%s.jpg" % key)[1], "Miss from cloudfront")
        self.cdn.advance(4)  # max-age=1 raised to 5 s; no-store cached for the min TTL
        self.assertEqual(self.x_cache("short/low.jpg")[1], "Hit from cloudfront")
        self.assertEqual(self.x_cache("short/nostore.jpg")[1], "Hit from cloudfront")
        self.cdn.advance(2)
        self.assertEqual(self.x_cache("short/low.jpg")[1], "RefreshHit from cloudfront")
        self.assertEqual(self.x_cache("short/nostore.jpg")[1], "RefreshHit from cloudfront")
        self.cdn.advance(24)  # 30 s: the default TTL is over, max 100 s is not
        self.assertEqual(self.x_cache("short/none.jpg")[1], "RefreshHit from cloudfront")
        self.assertEqual(self.x_cache("short/high.jpg")[1], "Hit from cloudfront")
        self.cdn.advance(71)  # 101 s: max-age=100000 was lowered to 100
        self.assertEqual(self.x_cache("short/high.jpg")[1], "RefreshHit from cloudfront")

    def test_conditional_get_304(self):
        self.put("cond/c.jpg", b"conditional")
        _, headers, _ = self.cdn.get("cond/c.jpg")
        etag, modified = headers["ETag"], headers["Last-Modified"]
        status, headers, body = self.cdn.get("cond/c.jpg", {"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(headers["ETag"], etag)
        self.assertEqual(self.cdn.get("cond/c.jpg", {"If-Modified-Since": modified})[0], 304)
        self.assertEqual(self.cdn.get("cond/c.jpg", {"If-None-Match": '"nope"'})[0], 200)
        self.assertEqual(self.cdn.get("cond/c.jpg", {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})[0], 200)

    def test_range_206_and_head(self):
        data = bytes(range(256)) * 40
        self.put("range/r.bin", data, content_type="application/octet-stream")
        status, headers, body = self.cdn.get("range/r.bin", {"Range": "bytes=100-199"})
        self.assertEqual((status, body), (206, data[100:200]))
        self.assertEqual(headers["Content-Range"], "bytes 100-199/%d" % len(data))
        status, headers, body = self.cdn.get("range/r.bin", {"Range": "bytes=-10"})
        self.assertEqual((status, body), (206, data[-10:]))
        self.assertEqual(self.cdn.get("range/r.bin", {"Range": "bytes=999999-"})[0], 416)
        status, headers, body = self.cdn.get("range/r.bin", method="HEAD")
        self.assertEqual((status, body), (200, b""))
        self.assertEqual(int(headers["Content-Length"]), len(data))
        self.assertEqual(headers["X-Cache"], "Hit from cloudfront")


    def test_user_metadata_headers_as_the_origin_sends_them(self):
        # CloudFront forwards S3's headers: non-ASCII metadata in S3's RFC 2047 form, the
        # same bytes a GetObject returns, so boto3 reads the same value through either.
        # boto3 sends only ASCII: non-ASCII goes as an RFC 2047 word ("Grüße").
        self.put("meta/m.jpg", b"meta", Metadata={"owner": "=?UTF-8?B?R3LDvMOfZQ==?=", "plain": "ascii"})
        origin = self.s3.get_object(Bucket=ASSETS, Key="meta/m.jpg")["ResponseMetadata"]["HTTPHeaders"]
        _, headers, _ = self.cdn.get("meta/m.jpg")
        self.assertEqual(headers["x-amz-meta-plain"], "ascii")
        self.assertEqual(headers["x-amz-meta-owner"], "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=")
        self.assertEqual(headers["x-amz-meta-owner"], origin["x-amz-meta-owner"])
    def test_compression_negotiation(self):
        css = b"body { color: #333; margin: 0 auto; }\n" * 200
        doc = json.dumps({"users": [{"handle": "user%d" % i, "bio": "hello " * 5} for i in range(100)]}).encode()
        jpeg = b"\xff\xd8" + bytes(range(256)) * 20
        self.put("z/site.css", css, content_type="text/css")
        self.put("z/data.json", doc, content_type="application/json")
        self.put("z/photo.jpg", jpeg, content_type="image/jpeg")

        _, headers, body = self.cdn.get("z/site.css", {"Accept-Encoding": "gzip"})
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertTrue(headers["ETag"].startswith('W/"'))
        self.assertIn("Accept-Encoding", headers["Vary"])
        self.assertLess(len(body), len(css) // 5)
        self.assertEqual(gzip.decompress(body), css)
        _, headers, body = self.cdn.get("z/site.css", {"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(headers["Content-Encoding"], "br")
        self.assertEqual(brotli_decompress(body), css)
        _, headers, body = self.cdn.get("z/data.json", {"Accept-Encoding": "br"})
        self.assertEqual(headers["Content-Encoding"], "br")
        self.assertEqual(json.loads(brotli_decompress(body)), json.loads(doc))
        _, headers, body = self.cdn.get("z/data.json", {"Accept-Encoding": "gzip"})
        self.assertEqual(json.loads(gzip.decompress(body)), json.loads(doc))
        _, headers, body = self.cdn.get("z/site.css", {"Accept-Encoding": "identity"})
        self.assertIsNone(headers.get("Content-Encoding"))
        self.assertEqual(body, css)
        _, headers, body = self.cdn.get("z/photo.jpg", {"Accept-Encoding": "gzip, br"})
        self.assertIsNone(headers.get("Content-Encoding"))  # never for JPEG
        self.assertEqual(body, jpeg)
        # A behaviour with compression off.
        self.put("plain/site.css", css, content_type="text/css")
        _, headers, body = self.cdn.get("plain/site.css", {"Accept-Encoding": "gzip, br"})
        self.assertIsNone(headers.get("Content-Encoding"))
        self.assertEqual(body, css)

    def test_custom_error_page_and_error_caching(self):
        status, headers, body = self.cdn.get("err/missing.jpg")
        self.assertEqual((status, headers["X-Cache"], body), (404, "Error from cloudfront", b"<h1>no such avatar</h1>"))
        self.assertEqual(headers["Content-Type"], "text/html")
        self.put("err/missing.jpg", b"arrived")
        self.assertEqual(self.cdn.get("err/missing.jpg")[0], 404)  # the error is cached 10 s
        self.cdn.advance(11)
        status, headers, body = self.cdn.get("err/missing.jpg")
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"arrived"))
        # Without a custom error response: S3's error document passes through.
        status, headers, body = self.cdn.get("nothing-here", dist="E2SITE")
        self.assertEqual((status, headers["X-Cache"]), (404, "Error from cloudfront"))
        self.assertIn(b"<Code>NoSuchKey</Code>", body)

    def test_default_root_object_and_origin_path(self):
        self.put("www/index.html", b"<h1>home</h1>", content_type="text/html", bucket="site")
        status, _, body = self.cdn.request("GET", "/", {"Host": "e2site.cloudfront.localhost"})
        self.assertEqual((status, body), (200, b"<h1>home</h1>"))
        self.assertEqual(self.cdn.get("", dist="E2SITE")[2], b"<h1>home</h1>")
        self.assertEqual(self.cdn.get("nope", dist="E9NOPE")[0], 404)

    def test_private_origin_served_only_through_the_cdn(self):
        self.put("private/p.jpg", b"secret-but-public-via-cdn")
        status, _, body = self.cdn.request("GET", "/%s/private/p.jpg" % ASSETS)  # anonymous S3 GET
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        status, _, body = self.cdn.get("private/p.jpg")
        self.assertEqual((status, body), (200, b"secret-but-public-via-cdn"))

    def test_own_port_serves_bare_keys(self):
        with open(os.path.join(self.mc.tmp, "ready.json")) as f:
            port = json.load(f)["cdn_ports"]["E1MINICLOUD"]
        self.assertNotEqual(port, self.mc.port)
        self.put("port/o.jpg", b"own-port")
        status, headers, body = self.cdn.request("GET", "/port/o.jpg", port=port)
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"own-port"))
        self.assertEqual(self.cdn.request("PUT", "/port/o.jpg", port=port)[0], 403)  # GET/HEAD only

    def test_cloudfront_api_boto3(self):
        cf = self.mc.boto3_client("cloudfront")
        dist = cf.get_distribution(Id="E1MINICLOUD")
        self.assertTrue(dist["ETag"])
        d = dist["Distribution"]
        self.assertEqual((d["Id"], d["Status"], d["DomainName"]),
                         ("E1MINICLOUD", "Deployed", "e1minicloud.cloudfront.localhost"))
        config = d["DistributionConfig"]
        self.assertEqual(config["Aliases"]["Items"], ["assets.localhost"])
        self.assertEqual(config["Origins"]["Items"][0]["Id"], ASSETS)
        self.assertEqual(config["CacheBehaviors"]["Items"][0]["PathPattern"], "/short/*")
        self.assertEqual(config["CustomErrorResponses"]["Items"][0]["ResponsePagePath"], "/errors/404.html")
        ids = [s["Id"] for s in cf.list_distributions()["DistributionList"]["Items"]]
        self.assertEqual(ids, ["E1MINICLOUD", "E2SITE"])

        created = cf.create_invalidation(DistributionId="E2SITE", InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": ["/a.html", "/b/*"]}, "CallerReference": "ref-1"})
        inv = created["Invalidation"]
        self.assertEqual(inv["Status"], "Completed")
        self.assertTrue(created["Location"].endswith("/invalidation/" + inv["Id"]))
        again = cf.create_invalidation(DistributionId="E2SITE", InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": ["/a.html", "/b/*"]}, "CallerReference": "ref-1"})
        self.assertEqual(again["Invalidation"]["Id"], inv["Id"])  # same CallerReference: same one
        self.assertEqual(cf.get_invalidation(DistributionId="E2SITE", Id=inv["Id"])["Invalidation"]["Status"],
                         "Completed")
        listed = cf.list_invalidations(DistributionId="E2SITE")["InvalidationList"]
        self.assertEqual([i["Id"] for i in listed["Items"]], [inv["Id"]])

        def code(call, **kw):
            try:
                call(**kw)
            except cf.exceptions.ClientError as err:
                return err.response["Error"]["Code"], err.response["ResponseMetadata"]["HTTPStatusCode"]
            raise AssertionError("no error")
        self.assertEqual(code(cf.get_distribution, Id="E404"), ("NoSuchDistribution", 404))
        self.assertEqual(code(cf.get_invalidation, DistributionId="E2SITE", Id="INOPE"), ("NoSuchInvalidation", 404))
        self.assertEqual(code(cf.create_invalidation, DistributionId="E2SITE", InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["no-slash"]}, "CallerReference": "ref-2"}), ("InvalidArgument", 400))
        bad_key = self.mc.boto3_client("cloudfront", secret="wrong")
        self.assertEqual(code(bad_key.list_distributions), ("SignatureDoesNotMatch", 403))

        # The same path signed for S3 is S3: the bucket "2020-05-31" is untouched.
        self.s3.put_object(Bucket="2020-05-31", Key="distribution", Body=b"s3 object")
        self.assertEqual(self.s3.get_object(Bucket="2020-05-31", Key="distribution")["Body"].read(), b"s3 object")

    def test_clock_route_is_off_without_test_clock(self):
        with MiniCloud() as mc:  # default stack, no --test-clock
            self.assertEqual(CdnClient(mc).request("POST", "/_cdn/_clock?advance=10")[0], 404)


class CdnNoCacheTest(ServerTestCase):
    """The default stack (E1MINICLOUD in front of the assets bucket) with --cdn-no-cache."""
    server_args = ("--cdn-no-cache",)

    def test_every_request_goes_to_the_origin(self):
        s3 = self.mc.boto3_client()
        cdn = CdnClient(self.mc)
        s3.put_object(Bucket=ASSETS, Key="avatars/n.jpg", Body=b"one", ContentType="image/jpeg")
        host = {"Host": "assets.localhost"}
        status, headers, body = cdn.request("GET", "/avatars/n.jpg", host)
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"one"))
        s3.put_object(Bucket=ASSETS, Key="avatars/n.jpg", Body=b"two", ContentType="image/jpeg")
        status, headers, body = cdn.request("GET", "/avatars/n.jpg", host)
        self.assertEqual((status, headers["X-Cache"], body), (200, "Miss from cloudfront", b"two"))


if __name__ == "__main__":
    unittest.main()
