"""A `command` function that writes into the bucket that triggers it (a recursive loop):
for each record it puts loop/<name>x next to the object (boto3 with no arguments, as a
Lambda would)."""
import json
import sys

import boto3

event = json.load(sys.stdin)
s3 = boto3.client("s3")
for record in event["Records"]:
    bucket = record["s3"]["bucket"]["name"]
    name = record["s3"]["object"]["key"].split("/")[-1]
    s3.put_object(Bucket=bucket, Key="loop/" + name + "x", Body=b"again")
print("wrote loop/%sx" % name)
