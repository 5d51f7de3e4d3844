#!/usr/bin/env bash
# scripts/bench cfn [--rounds N]: see cfn.py.
# Installs the CDK fixture's npm packages, builds minicloud, then times the Cruddur CDK app
# on minicloud: serve --stack cdk.out to ready (fresh and restarted) beside the default
# stack, and cdk synth / bootstrap / deploy / no-change deploy / destroy against
# `serve --empty`. No peer does this offline without an account, so the rows compare
# minicloud's work with the CDK CLI's own (synth). About 2 minutes.
source "$(dirname "$0")/../lib/common.sh"
ensure_packages "$ROOT/scripts/lib/packages.txt"
build
npm_ci "$ROOT/fixtures/cdk/lambdas/process-images"
npm_ci "$ROOT/fixtures/cdk"
py="$(python_with_boto3)" || py=python3
log "benchmarking CloudFormation: serve --stack cdk.out, cdk bootstrap/deploy/destroy"
exec "$py" "$ROOT/scripts/bench.d/cfn.py" \
  --minicloud "$BUILD_DIR/bin/minicloud" \
  --app "$ROOT/fixtures/cdk" \
  --json "$ROOT/bench/out/cfn.json" \
  "$@"
