package dev.billbridge.bench;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * GET requests with a bearer token at fixed rates against a running billing-api.
 *
 * <p>Open loop: request i is due at start + i/rate and its latency is measured from that due time,
 * so a stalled server shows in the percentiles instead of slowing the generator (no coordinated
 * omission). Every answer's body is read, and must contain {@code expect} to count as ok.
 *
 * <p>One Vert.x event loop both schedules and sends: a 1 ms timer on that loop sends every request
 * that has come due, so no request crosses threads. At most {@code connections} keep-alive
 * connections (env {@code API_LOAD_CONNECTIONS}, default 32); when all are busy a due request waits in
 * the client's queue, and that wait counts in its latency.
 *
 * <p>Usage: {@code ApiLoad <url> <token> <expect> <rate:seconds>[,...]}; one line per phase:
 * {@code RESULT phase=.. target=.. achieved=.. ok=.. bad=.. errors=.. p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..},
 * then the generator's own CPU time.
 */
public final class ApiLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ApiLoad <url> <token> <expect> <rate:seconds>[,...]");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        int connections = Integer.parseInt(System.getenv().getOrDefault("API_LOAD_CONNECTIONS", "32"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000).setIdleTimeout(60),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(url.getHost()).setPort(url.getPort())
                .setURI(url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery())).setTimeout(30_000)
                .setHeaders(MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + args[1])
                        .add("Accept", "application/json"));
        for (String phase : args[3].split(",")) {
            String[] p = phase.trim().split(":");
            fixedRate(vertx, client, request, args[2], Integer.parseInt(p[0]), Integer.parseInt(p[1]), phase.trim());
        }
        vertx.close();
        System.out.printf(Locale.ROOT, "generator_cpu_s=%.1f%n", ProcessHandle.current().info().totalCpuDuration()
                .map(d -> d.toMillis() / 1000.0).orElse(-1.0));
        System.exit(0);
    }

    static final class Tally {
        final Recorder latency = new Recorder(3_600_000_000L, 3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong bad = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong lastDone = new AtomicLong();
        final Map<String, AtomicLong> detail = new ConcurrentHashMap<>();

        void done(long dueNanos, int status, String body, Throwable t, String expect) {
            long now = System.nanoTime();
            lastDone.accumulateAndGet(now, Math::max);
            latency.recordValue(Math.max(0, (now - dueNanos) / 1000));
            if (t != null) {
                errors.incrementAndGet();
                detail.computeIfAbsent(t.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
            } else if (status == 200 && body.contains(expect)) {
                ok.incrementAndGet();
            } else {
                bad.incrementAndGet();
                detail.computeIfAbsent(Integer.toString(status), k -> new AtomicLong()).incrementAndGet();
            }
        }

        void print(String phase, int target, double seconds) {
            Histogram h = latency.getIntervalHistogram();
            System.out.printf(Locale.ROOT,
                    "RESULT phase=%s target=%d achieved=%.0f ok=%d bad=%d errors=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f detail=%s%n",
                    phase, target, ok.get() / seconds, ok.get(), bad.get(), errors.get(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, detail);
        }
    }

    static void fixedRate(Vertx vertx, HttpClient client, RequestOptions request, String expect, int rate, int seconds,
                          String phase) throws Exception {
        int n = rate * seconds;
        Tally tally = new Tally();
        CountDownLatch done = new CountDownLatch(n);
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        int[] next = {0};
        vertx.runOnContext(v -> vertx.setPeriodic(1, timer -> {
            long now = System.nanoTime();
            while (next[0] < n) {
                long due = start + next[0] * intervalNanos;
                if (due > now) {
                    break;
                }
                next[0]++;
                client.request(request)
                        .compose(req -> req.send())
                        .compose(resp -> resp.body().map(b -> new Object[] {resp.statusCode(), b.toString()}))
                        .onComplete(ar -> {
                            if (ar.succeeded()) {
                                tally.done(due, (Integer) ar.result()[0], (String) ar.result()[1], null, expect);
                            } else {
                                tally.done(due, 0, null, ar.cause(), expect);
                            }
                            done.countDown();
                        });
            }
            if (next[0] >= n) {
                vertx.cancelTimer(timer);
            }
        }));
        done.await(seconds + 120L, TimeUnit.SECONDS);
        // answers per second of wall time until the last one: a server that falls behind shows a lower rate here
        double elapsed = Math.max((tally.lastDone.get() - start) / 1e9, seconds);
        tally.print(phase, rate, elapsed);
    }
}
