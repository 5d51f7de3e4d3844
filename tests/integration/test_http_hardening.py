"""Bad request heads against the real server: each gets its S3 XML error at once and the
connection is closed, nothing hangs, the server stays up. Raw sockets, since HTTP clients
refuse to send most of these."""
import os
import re
import select
import socket
import time
import unittest

from harness import ServerTestCase


def exchange(port, data, timeout=10):
    """Sends `data`, returns (everything the server sent, whether it closed the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        closed = False
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    closed = True
                    break
                received += chunk
                if response_complete(received):
                    # The server should close now; a socket timeout here means it did not.
                    closed = sock.recv(1) == b""
                    break
        except socket.timeout:
            pass
        return received, closed


def response_complete(data):
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", data[:head_end])
    length = int(match.group(1)) if match else 0
    return len(data) >= head_end + 4 + length


def status_of(response):
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else None


def error_code(response):
    match = re.search(rb"<Code>([^<]*)</Code>", response)
    return match.group(1).decode() if match else None


class MalformedHeadTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.mc.boto3_client()
        cls.s3.create_bucket(Bucket="hardening")
        cls.s3.put_object(Bucket="hardening", Key="obj", Body=b"hello world")

    def assertRefused(self, data, status, code):
        response, closed = exchange(self.mc.port, data)
        self.assertEqual(status_of(response), status, response[:300])
        self.assertEqual(error_code(response), code, response[:600])
        self.assertIn(b"Content-Type: application/xml", response)
        self.assertIn(b"\r\nConnection: close\r\n", response)
        self.assertRegex(response, rb"x-amz-request-id: [0-9A-F]{16}")
        self.assertTrue(closed, "the connection stays open after %s" % code)
        return response

    def put_head(self, content_length):
        return ("PUT /hardening/cl HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %s\r\n\r\nabc" % content_length).encode()

    def test_a_bad_content_length_is_answered_at_once(self):
        for value in ["-1", "", "abc", "+3", "1 2", "0x3", "9223372036854775808", "99999999999999999999999"]:
            with self.subTest(content_length=value):
                response = self.assertRefused(self.put_head(value), 400, "BadRequest")
                self.assertIn(b"An error occurred when parsing the HTTP request.", response)
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket="hardening", Key="cl")

    def test_content_lengths_that_disagree(self):
        data = b"PUT /hardening/cl2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
        self.assertRefused(data, 400, "BadRequest")

    def test_transfer_encoding_is_not_implemented_as_on_s3(self):
        chunked = b"3\r\nabc\r\n0\r\n\r\n"
        data = b"PUT /hardening/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked
        response = self.assertRefused(data, 501, "NotImplemented")
        self.assertIn(b"<Header>Transfer-Encoding</Header>", response)
        # Both framings at once: refused rather than guessed (request smuggling).
        data = b"PUT /hardening/te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 13\r\n" \
               b"x-amz-decoded-content-length: 3\r\n\r\n" + chunked
        self.assertRefused(data, 400, "BadRequest")
        with self.assertRaises(self.s3.exceptions.ClientError):
            self.s3.head_object(Bucket="hardening", Key="te")

    def test_a_method_s3_does_not_serve(self):
        response = self.assertRefused(b"TRACE /hardening/obj HTTP/1.1\r\nHost: x\r\n\r\n", 405, "MethodNotAllowed")
        self.assertIn(b"<Method>TRACE</Method>", response)

    def test_a_request_line_that_is_not_http(self):
        for data in [b"HELLO\r\n\r\n", b"GET /hardening/obj HTTP/9.9\r\n\r\n", b"GET /a b HTTP/1.1\r\n\r\n",
                     b"GET / HTTP/1.1\r\nno colon\r\n\r\n", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"]:
            with self.subTest(head=data):
                self.assertRefused(data, 400, "BadRequest")

    def test_heads_past_the_limits(self):
        many = b"".join(b"X-Header-%d: v\r\n" % i for i in range(300))
        long_value = b"X-Long: " + b"a" * 20000 + b"\r\n"
        long_url = b"/hardening/" + b"k" * 9000
        endless = b"X-Endless: " + b"a" * 100000  # never ends its line
        for name, data in [("300 headers", b"GET / HTTP/1.1\r\n" + many + b"\r\n"),
                           ("a 20 KB header", b"GET / HTTP/1.1\r\n" + long_value + b"\r\n"),
                           ("a 9 KB URL", b"GET " + long_url + b" HTTP/1.1\r\n\r\n"),
                           ("a head that never ends", b"GET / HTTP/1.1\r\n" + endless)]:
            with self.subTest(name):
                self.assertRefused(data, 400, "RequestHeaderSectionTooLarge")

    def test_an_invalid_range_is_ignored_as_s3_does(self):
        for value in ["bytes=abc", "items=0-1", "bytes=5-2"]:
            with self.subTest(range=value):
                got = self.s3.get_object(Bucket="hardening", Key="obj", Range=value)
                self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 200)
                self.assertEqual(got["Body"].read(), b"hello world")
        got = self.s3.get_object(Bucket="hardening", Key="obj", Range="bytes=0-4")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(got["Body"].read(), b"hello")

    def test_good_requests_keep_the_connection(self):
        with socket.create_connection(("127.0.0.1", self.mc.port), timeout=10) as sock:
            # A pipelined PUT (its body must not be read as a request) then a GET on one
            # connection: both answered, the connection kept.
            sock.sendall(b"PUT /hardening/kept HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nkept"
                         b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                self.assertTrue(chunk, data)
                data += chunk
                second = data.find(b"HTTP/1.1 ", 1)
                if second > 0 and response_complete(data[second:]):
                    break
            self.assertEqual(status_of(data), 403, data[:300])  # unsigned PUT: refused by S3's auth
            self.assertEqual(status_of(data[second:]), 200, data[second:][:300])
            self.assertNotIn(b"Connection: close", data)

    def test_the_server_stays_up_and_holds_no_extra_descriptors(self):
        pid = self.mc.proc.pid
        before = len(os.listdir("/proc/%d/fd" % pid))
        for _ in range(50):
            exchange(self.mc.port, self.put_head("-1"))
        after = None
        for _ in range(50):  # the server closes its side right after answering
            after = len(os.listdir("/proc/%d/fd" % pid))
            if after <= before:
                break
            time.sleep(0.1)
        self.assertLessEqual(after, before)
        self.assertEqual(self.s3.get_object(Bucket="hardening", Key="obj")["Body"].read(), b"hello world")


class SlowHeadTest(ServerTestCase):
    server_args = ("--header-timeout", "0.5")

    def test_a_head_that_trickles_in_is_closed(self):
        with socket.create_connection(("127.0.0.1", self.mc.port), timeout=10) as sock:
            sock.sendall(b"GET /hardening/obj HTTP/1.1\r\n")
            for _ in range(200):  # one header byte every 50 ms, never the blank line
                sock.sendall(b"X")
                readable, _, _ = select.select([sock], [], [], 0.05)
                if readable:
                    break
            data = b""
            while not response_complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertEqual(status_of(data), 400, data[:300])
        self.assertEqual(error_code(data), "RequestTimeout")

    def test_a_prompt_head_is_served(self):
        response, _ = exchange(self.mc.port, b"GET /_health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status_of(response), 200, response[:300])


class ConnectionCapTest(ServerTestCase):
    server_args = ("--threads", "4")

    def test_connections_beyond_the_cap_get_slow_down(self):
        held = []
        try:
            for _ in range(4):
                sock = socket.create_connection(("127.0.0.1", self.mc.port), timeout=10)
                sock.sendall(b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 200"))
                held.append(sock)
            response, closed = exchange(self.mc.port, b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual(status_of(response), 503, response[:300])
            self.assertEqual(error_code(response), "SlowDown")
            self.assertTrue(closed)
        finally:
            for sock in held:
                sock.close()
        for _ in range(100):  # the server notices the closed connections
            response, _ = exchange(self.mc.port, b"GET /_health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if status_of(response) == 200:
                break
            time.sleep(0.05)
        self.assertEqual(status_of(response), 200)


if __name__ == "__main__":
    unittest.main()
