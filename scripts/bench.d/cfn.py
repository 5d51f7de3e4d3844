#!/usr/bin/env python3
"""scripts/bench cfn: the Cruddur CDK app (fixtures/cdk) on minicloud, timed.

Rows (wall clock, median of --rounds where repeated):
  serve (default stack) -> ready     `minicloud serve --in-memory` to its ready file
  serve --stack cdk.out -> ready     the same with the synthesized app deployed at start
                                     (fresh data dir: every resource created)
  ... restart, same data dir         the stack already there: nothing to change
  cdk synth                          the CDK CLI's own work, a baseline for the rows below
  cdk bootstrap                      CDKToolkit created (staging bucket, roles, SSM version)
  cdk deploy -> CREATE_COMPLETE      the CLI's whole run: synth, assets uploaded, change
                                     set created and executed, stack complete
  ... minicloud's part               ExecuteChangeSet (the stack's CREATE_IN_PROGRESS event) to
                                     CREATE_COMPLETE, by the event timestamps: every resource
                                     made, the Lambda's code unzipped; the rest is the CLI
                                     (synth, zipping assets, change set polling, monitoring)
  cdk deploy (no change)             synth, then skipped: nothing differs
  cdk destroy                        stack deleted (its uploads bucket empty)
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

UPLOADS = "bench-cfn-uploads"
ASSETS = "bench-cfn-assets"


def serve(binary, args, tmp):
    """Starts minicloud serve; returns (process, seconds to the ready file, endpoint)."""
    ready = os.path.join(tmp, "ready.json")
    if os.path.exists(ready):
        os.remove(ready)
    log = open(os.path.join(tmp, "server.log"), "ab")
    started = time.monotonic()
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--quiet", "--ready-file", ready] + args,
                            stdout=log, stderr=log)
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() - started > 120:
            raise SystemExit("minicloud did not start: see " + log.name)
        time.sleep(0.002)
    elapsed = time.monotonic() - started
    with open(ready) as f:
        endpoint = json.load(f)["endpoint"]
    return proc, elapsed, endpoint


def stop(proc):
    proc.terminate()
    proc.wait(30)


def cdk(app, args, home, endpoint=None):
    env = dict(os.environ, HOME=home, CDK_DISABLE_CLI_TELEMETRY="1", AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               UPLOADS_BUCKET_NAME=UPLOADS, ASSETS_BUCKET_NAME=ASSETS, THUMBING_WEBHOOK_URL="http://127.0.0.1:9/hook")
    env.pop("AWS_PROFILE", None)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    started = time.monotonic()
    proc = subprocess.run([os.path.join(app, "node_modules", ".bin", "cdk")] + args + ["--no-notices"], cwd=app,
                          env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit("cdk %s failed:\n%s\n%s" % (" ".join(args), proc.stdout[-3000:], proc.stderr[-3000:]))
    return time.monotonic() - started


def server_side(endpoint, stack):
    """Seconds from the stack's CREATE_IN_PROGRESS to its last event, by their timestamps."""
    import boto3
    cfn = boto3.client("cloudformation", endpoint_url=endpoint, aws_access_key_id="test",
                       aws_secret_access_key="test", region_name="us-east-1")
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    stamps = [e["Timestamp"] for e in events
              if e["LogicalResourceId"] == stack and e["ResourceStatus"] != "REVIEW_IN_PROGRESS"]
    return (max(stamps) - min(stamps)).total_seconds()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minicloud", required=True)
    ap.add_argument("--app", required=True)
    ap.add_argument("--json")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    args.app = os.path.abspath(args.app)
    tmp = tempfile.mkdtemp(prefix="bench-cfn-")
    rows = []
    try:
        out = os.path.join(tmp, "cdk.out")
        synth = cdk(args.app, ["synth", "-q", "-o", out], tmp)

        default, fresh, restart = [], [], []
        for i in range(args.rounds):
            proc, elapsed, _ = serve(args.minicloud, ["--in-memory"], tmp)
            stop(proc)
            default.append(elapsed)
            data = os.path.join(tmp, "data-%d" % i)
            proc, elapsed, _ = serve(args.minicloud, ["--data-dir", data, "--stack", out], tmp)
            stop(proc)
            fresh.append(elapsed)
            proc, elapsed, _ = serve(args.minicloud, ["--data-dir", data, "--stack", out], tmp)
            stop(proc)
            restart.append(elapsed)
        rows += [("serve (default stack) -> ready", statistics.median(default)),
                 ("serve --stack cdk.out -> ready", statistics.median(fresh)),
                 ("... restart, same data dir", statistics.median(restart))]

        proc, _, endpoint = serve(args.minicloud, ["--in-memory", "--empty"], tmp)
        try:
            rows.append(("cdk synth", synth))
            rows.append(("cdk bootstrap", cdk(args.app, ["bootstrap", "aws://000000000000/us-east-1", "-o", out],
                                              tmp, endpoint)))
            rows.append(("cdk deploy -> CREATE_COMPLETE", cdk(args.app, ["deploy", "--require-approval", "never",
                                                                         "-o", out], tmp, endpoint)))
            rows.append(("... minicloud's part", server_side(endpoint, "ThumbingServerlessCdkStack")))
            rows.append(("cdk deploy (no change)", cdk(args.app, ["deploy", "--require-approval", "never", "-o", out],
                                                       tmp, endpoint)))
            rows.append(("cdk destroy", cdk(args.app, ["destroy", "--force", "-o", out], tmp, endpoint)))
        finally:
            stop(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n%-36s %10s" % ("CloudFormation (Cruddur CDK app)", "seconds"))
    for name, seconds in rows:
        print("%-36s %10.3f" % (name, seconds))
    deploy = dict(rows)["cdk deploy -> CREATE_COMPLETE"]
    print("\ncdk deploy beyond its own synth: %.2f s (%.1fx synth)" % (deploy - synth, deploy / synth))
    if args.json:
        os.makedirs(os.path.dirname(args.json), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"rounds": args.rounds, "rows": [{"name": n, "seconds": s} for n, s in rows]}, f, indent=2)


if __name__ == "__main__":
    main()
