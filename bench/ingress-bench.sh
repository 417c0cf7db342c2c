#!/usr/bin/env bash
# webhook-ingress benchmark: signed Scalekit events/s and latency at fixed rates and at saturation,
# then Kafka's own ProducerPerformance (acks=all, same record size) on the same broker, same run.
#
#   bench/ingress-bench.sh            # full run (~3 min after the build)
#   PHASE_SECONDS=10 bench/ingress-bench.sh
#
# Env knobs: RATES ("1000 2500 5000"), PHASE_SECONDS (20), WARMUP_SECONDS (45), WARMUP_RATE (2000), SAT_SECONDS (20),
# # SAT_CONCURRENCY (64), CONNECTIONS (64, the generator's keep-alive pool), PERF_RECORDS (1000000), SKIP_BUILD (unset),
# APP_JAVA_OPTS (extra JVM options for the ingress, e.g. a profiler agent). Needs only a JDK and Maven Central.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RATES=${RATES:-"1000 2500 5000"}
PHASE_SECONDS=${PHASE_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-45}
WARMUP_RATE=${WARMUP_RATE:-2000}
APP_JAVA_OPTS=${APP_JAVA_OPTS:-}
SAT_SECONDS=${SAT_SECONDS:-20}
SAT_CONCURRENCY=${SAT_CONCURRENCY:-64}
CONNECTIONS=${CONNECTIONS:-64}
PERF_RECORDS=${PERF_RECORDS:-1000000}

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "== build (webhook-ingress package, load generator)"
  ./mvnw -B -pl webhook-ingress -am package -DskipTests > /tmp/ingress-bench-build.log 2>&1 \
    || { tail -50 /tmp/ingress-bench-build.log; exit 1; }
  ./mvnw -B -f bench/ingress-load/pom.xml package > /tmp/ingress-bench-load-build.log 2>&1 \
    || { tail -50 /tmp/ingress-bench-load-build.log; exit 1; }
fi
LOADCP="bench/ingress-load/target/classes:bench/ingress-load/target/lib/*"

WORK=$(mktemp -d /tmp/ingress-bench.XXXXXX)
INFRA_PID=""
INGRESS_PID=""
cleanup() {
  # the ingress (a Kafka client) leaves before the broker, so the broker sees no ghost members
  [[ -n "$INGRESS_PID" ]] && kill "$INGRESS_PID" 2>/dev/null && wait "$INGRESS_PID" 2>/dev/null || true
  [[ -n "$INFRA_PID" ]] && kill "$INFRA_PID" 2>/dev/null && wait "$INFRA_PID" 2>/dev/null || true
}
trap cleanup EXIT

echo "== broker + database (billbridge-infra)"
java -Xmx512m -XX:+UseSerialGC -jar billbridge-infra/target/billbridge-infra.jar >"$WORK/infra.out" 2>"$WORK/infra.err" &
INFRA_PID=$!
for _ in $(seq 1 180); do grep -q '^billbridge-infra: ready' "$WORK/infra.out" && break; sleep 1; done
grep -q '^billbridge-infra: ready' "$WORK/infra.out" || { cat "$WORK/infra.err"; exit 1; }
endpoint() { sed -n "s/^billbridge-infra: $1=//p" "$WORK/infra.out"; }
BOOTSTRAP=$(endpoint kafka.bootstrap.servers)
echo "   kafka $BOOTSTRAP"

echo "== webhook-ingress (target/quarkus-app/quarkus-run.jar, prod profile)"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SECRET="whsec_$(head -c 32 /dev/urandom | base64)"
INGRESS_HTTP_PORT=$PORT KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP \
DATABASE_JDBC_URL=$(endpoint jdbc.url) DATABASE_USERNAME=$(endpoint jdbc.username) DATABASE_PASSWORD=$(endpoint jdbc.password) \
SCALEKIT_WEBHOOK_SECRET=$SECRET CHARGEBEE_WEBHOOK_USERNAME=bench CHARGEBEE_WEBHOOK_PASSWORD=bench \
  java -Xmx256m $APP_JAVA_OPTS -jar webhook-ingress/target/quarkus-app/quarkus-run.jar >"$WORK/ingress.log" 2>&1 &
INGRESS_PID=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$PORT/q/health/ready" >/dev/null || { tail -40 "$WORK/ingress.log"; exit 1; }

# CPU seconds a process (and its threads) has used so far
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{printf "%.1f", ($14+$15)/t}' "/proc/$1/stat"; }
echo "== machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ING_CPU0=$(cpu_s "$INGRESS_PID"); INFRA_CPU0=$(cpu_s "$INFRA_PID"); T0=$(date +%s)
PHASES="$WARMUP_RATE:$WARMUP_SECONDS"
for r in $RATES; do PHASES="$PHASES,$r:$PHASE_SECONDS"; done
PHASES="$PHASES,sat:$SAT_SECONDS:$SAT_CONCURRENCY"
echo "== ingress load: $PHASES (first phase is JIT warm-up)"
java -Xmx512m -cp "$LOADCP" dev.billbridge.bench.IngressLoad "http://127.0.0.1:$PORT/webhooks/scalekit" "$SECRET" "$CONNECTIONS" "$PHASES" \
  | tee "$WORK/load.out"
echo "   load average after ingress load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   CPU seconds during the load run ($(( $(date +%s) - T0 )) s wall): ingress $(python3 -c "print(round($(cpu_s "$INGRESS_PID")-$ING_CPU0,1))"), broker+db $(python3 -c "print(round($(cpu_s "$INFRA_PID")-$INFRA_CPU0,1))"), generator $(sed -n 's/^generator_cpu_s=//p' "$WORK/load.out")"
BODY_BYTES=$(sed -n 's/^body_bytes=//p' "$WORK/load.out")
curl -s "http://127.0.0.1:$PORT/q/metrics" | grep '^billbridge_ingress_webhooks_total{.*source="scalekit"' || true

echo "== ProducerPerformance alone: $PERF_RECORDS records x $BODY_BYTES B, acks=all, idempotent, same broker and topic"
java -Xmx512m -cp "$LOADCP" org.apache.kafka.tools.ProducerPerformance \
  --topic scalekit.events --num-records "$PERF_RECORDS" --record-size "$BODY_BYTES" --throughput -1 \
  --producer-props bootstrap.servers="$BOOTSTRAP" acks=all enable.idempotence=true 2>/dev/null | tee "$WORK/perf.out"
echo "   load average after producer: $(cut -d' ' -f1-3 /proc/loadavg)"

SAT=$(sed -n 's/^RESULT phase=sat.* achieved=\([0-9]*\).*/\1/p' "$WORK/load.out")
PERF=$(tail -1 "$WORK/perf.out" | sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p')
echo "== summary"
grep '^RESULT' "$WORK/load.out" | sed 's/^RESULT /   /'
echo "   producer-alone: ${PERF} records/s"
python3 -c "print('   ratio ingress saturation / producer alone = %.1f%%' % (100.0*$SAT/$PERF))"
echo "   logs: $WORK"
