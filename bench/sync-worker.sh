#!/usr/bin/env bash
# sync-worker replay benchmark: 100,000 Chargebee events (10,000 subscriptions) from a pre-filled topic
# into Postgres, message log and resource_version ordering on. Real broker and database (billbridge-infra).
# Usage: bench/sync-worker.sh [extra maven args, e.g. -Dbench.subscriptions=2000]
#   -Dbench.warmup-events=N    also report the rate after the first N events (steady state, JIT warm)
#   "-Dtest.jvm.args=-Xmx384m -XX:+UseSerialGC"   the production JIT (C2) instead of the test JVM's C1
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -pl sync-worker -am verify -Dtest=SyncReplayBenchmark -Dsurefire.failIfNoSpecifiedTests=false "$@"
cat sync-worker/target/bench-sync-worker.txt
