"""A slow `command` function for the restart test: records its pid and the event's key in
$MARKER_DIR, sleeps $SLEEP_S, then records that it finished."""
import json
import os
import sys
import time

event = json.load(sys.stdin)
key = event["Records"][0]["s3"]["object"]["key"]
marker = os.environ["MARKER_DIR"]
with open(os.path.join(marker, "started"), "a") as f:
    f.write("%d %s\n" % (os.getpid(), key))
time.sleep(float(os.environ.get("SLEEP_S", "2")))
with open(os.path.join(marker, "finished"), "a") as f:
    f.write("%d %s\n" % (os.getpid(), key))
print("slept")
