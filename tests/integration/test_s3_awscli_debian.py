"""The CLI-focused aws CLI cases of test_s3_awscli.py (AwsCliCases: s3 mb/ls/cp/sync/rm/rb,
the 20 MB multipart cp, s3api metadata, list pagination, multipart by hand, NoSuchKey/
NoSuchBucket, wrong secret, unknown key), run with Debian's `awscli` package (/usr/bin/aws,
v2.9 on Debian 12; scripts/test installs it), which differs from the pip-installed v1 in
its transfer code, output, pagination and checksum defaults. Where the `aws` on PATH is
this same one, both modules test it.
"""
import unittest

from harness import ServerTestCase
from test_s3_awscli import AwsCliCases


class AwsCliDebian(AwsCliCases, ServerTestCase):
    cli = "/usr/bin/aws"


if __name__ == "__main__":
    unittest.main()
