#!/usr/bin/env bash
# webhook-ingress benchmark: signed Scalekit events/s and latency at fixed rates and at saturation,
# then Kafka's own ProducerPerformance (acks=all, same record size) on the same broker, same run.
#
#   bench/ingress-bench.sh            # full run (~3 min after the build)
#   PHASE_SECONDS=10 bench/ingress-bench.sh
#
# Env knobs: RATES ("1000 2500 5000"), PHASE_SECONDS (20), WARMUP_SECONDS (45), WARMUP_RATE (2000), SAT_SECONDS (20),
# # SAT_CONCURRENCY (64), CONNECTIONS (64, the generator's keep-alive pool), PERF_RECORDS (1000000), SKIP_BUILD (unset),
# APP_JAVA_OPTS (extra JVM options for the ingress, e.g. a profiler agent),
# SAT_TOOL (wrk when /usr/bin/wrk exists, else java: the closed-loop saturation client), SAT_THREADS (1, wrk threads),
# SAT_REQUESTS_N (20000 distinct pre-signed requests that wrk cycles through),
# SKIP_FLOOR (unset: with wrk, the same saturation load is also run against HttpFloor, an empty Vert.x
# handler, to show the ceiling of one event per HTTP request on this machine).
# Needs a JDK and Maven Central; wrk (Debian package) for the cheaper saturation client.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
RATES=${RATES:-"1000 2500 5000"}
PHASE_SECONDS=${PHASE_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-45}
WARMUP_RATE=${WARMUP_RATE:-2000}
APP_JAVA_OPTS=${APP_JAVA_OPTS:-}
if [[ -z "${SAT_TOOL:-}" ]]; then SAT_TOOL=java; command -v wrk >/dev/null && SAT_TOOL=wrk; fi
SAT_THREADS=${SAT_THREADS:-1}
SAT_REQUESTS_N=${SAT_REQUESTS_N:-20000}
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
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
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
# the saturation load, one definition for the ingress and the HTTP floor: sat_wrk <port> <name> writes
# $WORK/<name>.out (wrk's report and RESULT line) and $WORK/<name>.time (wrk's CPU seconds)
sat_wrk() {
  SAT_REQUESTS="$WORK/sat.requests" /usr/bin/time -f "wrk_cpu_s=%U+%S" -o "$WORK/$2.time" \
    wrk -t"$SAT_THREADS" -c"$SAT_CONCURRENCY" -d"${SAT_SECONDS}s" --timeout 30s --latency -s bench/ingress-sat.lua \
    "http://127.0.0.1:$1/webhooks/scalekit" > "$WORK/$2.out"
}
echo "== machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ING_CPU0=$(cpu_s "$INGRESS_PID"); INFRA_CPU0=$(cpu_s "$INFRA_PID"); T0=$(date +%s)
PHASES="$WARMUP_RATE:$WARMUP_SECONDS"
for r in $RATES; do PHASES="$PHASES,$r:$PHASE_SECONDS"; done
[[ "$SAT_TOOL" == java ]] && PHASES="$PHASES,sat:$SAT_SECONDS:$SAT_CONCURRENCY"
echo "== ingress load: $PHASES (first phase is JIT warm-up)"
java -Xmx512m -Dbench.pids="ingress:$INGRESS_PID,broker:$INFRA_PID" -cp "$LOADCP" dev.billbridge.bench.IngressLoad \
  "http://127.0.0.1:$PORT/webhooks/scalekit" "$SECRET" "$CONNECTIONS" "$PHASES" | tee "$WORK/load.out"
GEN_CPU=$(sed -n 's/^generator_cpu_s=//p' "$WORK/load.out")
# the server's own count next to the generator's: a request the generator saw no answer for shows here
echo "   server accepted after the Java phases: $(curl -s "http://127.0.0.1:$PORT/q/metrics" | sed -n 's/^billbridge_ingress_webhooks_total{outcome="accepted",source="scalekit"} //p'), generator answered: $(sed -n 's/^RESULT .* ok=\([0-9]*\) non2xx=\([0-9]*\).*/\1+\2/p' "$WORK/load.out" | paste -sd+ | bc)"
if [[ "$SAT_TOOL" == wrk ]]; then
  echo "== saturation with wrk: $SAT_SECONDS s, $SAT_CONCURRENCY connections, $SAT_THREADS thread(s), $SAT_REQUESTS_N pre-signed requests cycled"
  java -Xmx512m -cp "$LOADCP" dev.billbridge.bench.IngressLoad --dump /webhooks/scalekit "$SECRET" "$SAT_REQUESTS_N" "$WORK/sat.requests" >/dev/null
  I0=$(cpu_s "$INGRESS_PID"); B0=$(cpu_s "$INFRA_PID")
  sat_wrk "$PORT" wrk
  grep -v '^RESULT' "$WORK/wrk.out" | sed 's/^/   wrk: /'
  grep '^RESULT' "$WORK/wrk.out" | tee -a "$WORK/load.out"
  WRK_CPU=$(python3 -c "print(round($(sed -n 's/^wrk_cpu_s=//p' "$WORK/wrk.time"),1))")
  EVENTS=$(sed -n 's/^RESULT phase=sat-wrk.* ok=\([0-9]*\) non2xx=\([0-9]*\).*/\1+\2/p' "$WORK/wrk.out")
  python3 -c "
e=$EVENTS; i=$(cpu_s "$INGRESS_PID")-$I0; b=$(cpu_s "$INFRA_PID")-$B0; w=$WRK_CPU
print('CPU phase=sat-wrk events=%d ingress_s=%.1f ingress_us_per_event=%.0f broker_s=%.1f broker_us_per_event=%.0f wrk_s=%.1f wrk_us_per_event=%.0f' % (e, i, i*1e6/e, b, b*1e6/e, w, w*1e6/e))" | tee -a "$WORK/load.out"
  GEN_CPU="$GEN_CPU (java generator) + $WRK_CPU (wrk)"
fi
echo "   load average after ingress load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   CPU seconds during the load run ($(( $(date +%s) - T0 )) s wall): ingress $(python3 -c "print(round($(cpu_s "$INGRESS_PID")-$ING_CPU0,1))"), broker+db $(python3 -c "print(round($(cpu_s "$INFRA_PID")-$INFRA_CPU0,1))"), generator $GEN_CPU"
BODY_BYTES=$(sed -n 's/^body_bytes=//p' "$WORK/load.out")
curl -s "http://127.0.0.1:$PORT/q/metrics" | grep '^billbridge_ingress_webhooks_total{.*source="scalekit"' || true

echo "== ProducerPerformance alone: $PERF_RECORDS records x $BODY_BYTES B, acks=all, idempotent, same broker and topic"
B0=$(cpu_s "$INFRA_PID")
/usr/bin/time -f "perf_cpu_s=%U+%S" -o "$WORK/perf.time" java -Xmx512m -cp "$LOADCP" org.apache.kafka.tools.ProducerPerformance \
  --topic scalekit.events --num-records "$PERF_RECORDS" --record-size "$BODY_BYTES" --throughput -1 \
  --producer-props bootstrap.servers="$BOOTSTRAP" acks=all enable.idempotence=true 2>/dev/null | tee "$WORK/perf.out"
python3 -c "
n=$PERF_RECORDS; p=$(sed -n 's/^perf_cpu_s=//p' "$WORK/perf.time"); b=$(cpu_s "$INFRA_PID")-$B0
print('   cpu: producer-alone records=%d producer_s=%.1f producer_us_per_record=%.0f broker_s=%.1f broker_us_per_record=%.0f (JVM start and JIT included)' % (n, p, p*1e6/n, b, b*1e6/n))" | tee -a "$WORK/perf.out"
echo "   load average after producer: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ "$SAT_TOOL" == wrk && -z "${SKIP_FLOOR:-}" ]]; then
  # the same wrk load against an empty Vert.x handler: the ceiling for one event per HTTP request here
  echo "== HTTP floor: wrk as in the saturation phase against HttpFloor (read body, answer 202; no verification, no Kafka)"
  FLOOR_PORT=$(free_port)
  java -Xms256m -Xmx256m -cp "$LOADCP" dev.billbridge.bench.HttpFloor "$FLOOR_PORT" > "$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  for _ in $(seq 1 60); do grep -q listening "$WORK/floor.log" && break; sleep 0.5; done
  SAT_SECONDS=10 sat_wrk "$FLOOR_PORT" floor-warmup   # JIT warm-up
  F0=$(cpu_s "$FLOOR_PID")
  sat_wrk "$FLOOR_PORT" floor-wrk
  F1=$(cpu_s "$FLOOR_PID")
  kill "$FLOOR_PID" 2>/dev/null || true
  FLOOR=$(sed -n 's/^RESULT phase=sat-wrk.* achieved=\([0-9]*\).*/\1/p' "$WORK/floor-wrk.out")
  FLOOR_N=$(sed -n 's/^RESULT phase=sat-wrk.* ok=\([0-9]*\) non2xx=\([0-9]*\).*/\1+\2/p' "$WORK/floor-wrk.out")
  python3 -c "
e=$FLOOR_N; s=$F1-$F0; w=$(sed -n 's/^wrk_cpu_s=//p' "$WORK/floor-wrk.time")
print('   http floor: %d requests/s; cpu: server_us_per_request=%.0f wrk_us_per_request=%.0f' % ($FLOOR, s*1e6/e, w*1e6/e))" | tee "$WORK/floor.out"
fi

SAT=$(sed -n 's/^RESULT phase=sat.* achieved=\([0-9]*\).*/\1/p' "$WORK/load.out")
PERF=$(grep 'records sent' "$WORK/perf.out" | tail -1 | sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p')
echo "== summary"
grep -E '^(RESULT|CPU) ' "$WORK/load.out" | sed 's/^RESULT /   /; s/^CPU /   cpu: /'
echo "   producer-alone: ${PERF} records/s"
grep '^   cpu: producer-alone' "$WORK/perf.out" || true
python3 -c "print('   ratio ingress saturation / producer alone = %.1f%%' % (100.0*$SAT/$PERF))"
if [[ -n "${FLOOR:-}" ]]; then
  cat "$WORK/floor.out"
  python3 -c "print('   ratio http floor / producer alone = %.1f%%; ingress saturation / http floor = %.1f%%' % (100.0*$FLOOR/$PERF, 100.0*$SAT/$FLOOR))"
fi
echo "   logs: $WORK"
