#!/usr/bin/env sh
# provisioning-worker benchmark: N organization.created events through a real broker, the worker,
# Postgres and the Chargebee simulator (its rate limit raised). Usage, from the repository root:
#   bench/provisioning-worker.sh [orgs=10000] [simulator limit/min=3000] [worker limit/min=3000]
# The result table is printed and written to provisioning-worker/target/bench-provisioning.md.
set -e
cd "$(dirname "$0")/.."
ORGS=${1:-10000}
SIM_LIMIT=${2:-3000}
CLIENT_LIMIT=${3:-3000}
./mvnw -B -pl provisioning-worker -am verify -Dtest=ProvisioningBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.orgs="$ORGS" -Dbench.sim-rate-limit="$SIM_LIMIT" -Dbench.client-rate-limit="$CLIENT_LIMIT"
cat provisioning-worker/target/bench-provisioning.md
