#!/usr/bin/env bash
# billing-api benchmark: GET /api/subscription/list with a valid Scalekit token (real RS256 verification
# against the simulator's JWKS, real Postgres) at fixed open-loop rates, against the packaged app.
#
#   bench/billing-api-bench.sh                 # full run (~2.5 min after the build)
#   RATES="500 1000 2000" PHASE_SECONDS=20 bench/billing-api-bench.sh
#
# LOAD_CLIENT: nio (default: NioLoad, one thread of plain NIO) or vertx (ApiLoad, the Vert.x client);
# LOAD_JAVA_OPTS (-Xmx768m) and LOAD_NICE (e.g. "nice -n -5") for the generator's JVM.
# APP_JAVA_OPTS: extra JVM options for the app (e.g. a profiler agent).
# HOLD=FILE: write API, TOKEN and the app's pid to FILE and keep the stack up instead of loading it.
# Env knobs: RATES ("500 1000 2000 3000"), PHASE_SECONDS (20), WARMUP_RATE (1000), WARMUP_SECONDS (60), SKIP_BUILD (unset).
# Needs a JDK, curl and jq. Starts everything itself on free ports and stops it on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RATES=${RATES:-"500 1000 2000 3000"}
PHASE_SECONDS=${PHASE_SECONDS:-20}
# the JIT needs about a minute of load on 2 cores before the app reaches its steady state
WARMUP_SECONDS=${WARMUP_SECONDS:-60}
WARMUP_RATE=${WARMUP_RATE:-1000}

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "== build (billing-api package, simulators, infrastructure, load generator)"
  ./mvnw -B -pl billing-api,billbridge-sandbox,billbridge-infra -am package -DskipTests > /tmp/api-bench-build.log 2>&1 \
    || { tail -50 /tmp/api-bench-build.log; exit 1; }
  ./mvnw -B -f bench/api-load/pom.xml package > /tmp/api-bench-load-build.log 2>&1 \
    || { tail -50 /tmp/api-bench-load-build.log; exit 1; }
fi
LOADCP="bench/api-load/target/classes:bench/api-load/target/lib/*"
SANDBOX=billbridge-sandbox/target/billbridge-sandbox.jar

WORK=$(mktemp -d /tmp/api-bench.XXXXXX)
PIDS=()
cleanup() {
  # the app (a Kafka client) leaves before the broker
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill "${PIDS[$i]}" 2>/dev/null && wait "${PIDS[$i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { for _ in $(seq 1 "$3"); do grep -q "$2" "$1" && return 0; sleep 1; done; echo "timeout waiting for '$2' in $1"; cat "$1"; exit 1; }

echo "== broker + database (billbridge-infra)"
java -Xmx512m -XX:+UseSerialGC -jar billbridge-infra/target/billbridge-infra.jar >"$WORK/infra.out" 2>"$WORK/infra.err" &
PIDS+=($!)
wait_line "$WORK/infra.out" '^billbridge-infra: ready' 180
endpoint() { sed -n "s/^billbridge-infra: $1=//p" "$WORK/infra.out"; }

echo "== simulators (Chargebee, Scalekit)"
java -Xmx256m -jar "$SANDBOX" chargebee --port "$(free_port)" --rate-limit 0 >"$WORK/cb.out" 2>&1 &
PIDS+=($!)
java -Xmx256m -jar "$SANDBOX" scalekit --port "$(free_port)" >"$WORK/sk.out" 2>&1 &
PIDS+=($!)
wait_line "$WORK/cb.out" 'listening on' 30
wait_line "$WORK/sk.out" 'listening on' 30
CB=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/cb.out" | head -1)
SK=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/sk.out" | head -1)
echo "   chargebee $CB, scalekit $SK"

echo "== billing-api (target/quarkus-app/quarkus-run.jar, prod profile)"
PORT=$(free_port)
# heap fixed at start, as in the images (-XX:InitialRAMPercentage=75 -XX:MaxRAMPercentage=75)
BILLING_API_HTTP_PORT=$PORT KAFKA_BOOTSTRAP_SERVERS=$(endpoint kafka.bootstrap.servers) \
DATABASE_JDBC_URL=$(endpoint jdbc.url) DATABASE_USERNAME=$(endpoint jdbc.username) DATABASE_PASSWORD=$(endpoint jdbc.password) \
SCALEKIT_ENV_URL=$SK SCALEKIT_CLIENT_ID=skc_sandbox \
CHARGEBEE_API_BASE_URL=$CB/api/v2 CHARGEBEE_SITE=billbridge-test CHARGEBEE_API_KEY=test_sim_key \
CHARGEBEE_PLAN_ITEM_PRICE_ID=pro-USD-monthly APP_URL=http://127.0.0.1:$PORT \
BILLING_PLANS='[{"itemPriceId":"pro-USD-monthly","name":"Pro","limits":{"seats":25}}]' \
  java -Xms256m -Xmx256m ${APP_JAVA_OPTS:-} -jar billing-api/target/quarkus-app/quarkus-run.jar >"$WORK/api.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null || { tail -40 "$WORK/api.log"; exit 1; }

echo "== seed: one organization with an active subscription (create, pay on the hosted page, success route)"
ORG="org_bench_$RANDOM$RANDOM"
TOKEN=$(java -jar "$SANDBOX" token --env-url "$SK" --oid "$ORG" --sub usr_bench --roles admin --ttl 7200)
API="http://127.0.0.1:$PORT"
PAGE=$(curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"seats":3,"successUrl":"/billing"}' "$API/api/subscription/create" | jq -r .url)
BACK=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$PAGE/pay")
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$API${BACK#http://127.0.0.1:$PORT}"
curl -sf -H "Authorization: Bearer $TOKEN" "$API/api/subscription/list" | tee "$WORK/list.json"; echo
jq -e '.subscriptions[0].status == "active"' "$WORK/list.json" >/dev/null || { echo "seeding failed"; tail -40 "$WORK/api.log"; exit 1; }

if [[ -n "${HOLD:-}" ]]; then
  # keep the stack up for profiling by hand (wrk, perf, jcmd); Ctrl-C stops everything
  printf 'API=%s\nTOKEN=%s\nAPI_PID=%s\n' "$API" "$TOKEN" "${PIDS[3]}" | tee "$HOLD"
  wait
fi
echo "== machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cpu_s() { awk '{printf "%.1f", ($14+$15)/100}' "/proc/$1/stat"; }
APP_CPU0=$(cpu_s "${PIDS[3]}"); INFRA_CPU0=$(cpu_s "${PIDS[0]}")
PHASES="$WARMUP_RATE:$WARMUP_SECONDS"
for r in $RATES; do PHASES="$PHASES,$r:$PHASE_SECONDS"; done
echo "== GET /api/subscription/list: $PHASES (first phase is JIT warm-up)"
LOAD_MAIN=dev.billbridge.bench.NioLoad
[[ "${LOAD_CLIENT:-nio}" == vertx ]] && LOAD_MAIN=dev.billbridge.bench.ApiLoad
echo "== load client: $LOAD_MAIN"
${LOAD_NICE:-} java ${LOAD_JAVA_OPTS:--Xmx768m} -cp "$LOADCP" "$LOAD_MAIN" "$API/api/subscription/list" "$TOKEN" '"status":"active"' "$PHASES" \
  | tee "$WORK/load.out"
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   CPU seconds during the load (warm-up included): app $(echo "$(cpu_s "${PIDS[3]}") - $APP_CPU0" | bc), broker+database $(echo "$(cpu_s "${PIDS[0]}") - $INFRA_CPU0" | bc), generator $(sed -n 's/^generator_cpu_s=//p' "$WORK/load.out")"
echo "== summary (latency from each request's scheduled time; ok = 200 with the subscription in the body)"
grep '^RESULT' "$WORK/load.out" | sed 's/^RESULT /   /'
