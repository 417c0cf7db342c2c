package dev.billbridge.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * GET requests with a bearer token at fixed rates against a running billing-api.
 *
 * <p>Open loop: request i is due at start + i/rate and its latency is measured from that due time,
 * so a stalled server shows in the percentiles instead of slowing the generator (no coordinated
 * omission). Every answer's body is read, and must contain {@code expect} to count as ok.
 *
 * <p>Usage: {@code ApiLoad <url> <token> <expect> <rate:seconds>[,...]}; one line per phase:
 * {@code RESULT phase=.. target=.. achieved=.. ok=.. bad=.. errors=.. p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..}.
 */
public final class ApiLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ApiLoad <url> <token> <expect> <rate:seconds>[,...]");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + args[1]).header("Accept", "application/json").GET().build();
        String expect = args[2];
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2)).connectTimeout(Duration.ofSeconds(5)).build();
        for (String phase : args[3].split(",")) {
            String[] p = phase.trim().split(":");
            fixedRate(client, request, expect, Integer.parseInt(p[0]), Integer.parseInt(p[1]), phase.trim());
        }
        System.exit(0);
    }

    static final class Tally {
        final Recorder latency = new Recorder(3_600_000_000L, 3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong bad = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final ConcurrentHashMap<String, AtomicLong> detail = new ConcurrentHashMap<>();

        void done(long dueNanos, HttpResponse<String> r, Throwable t, String expect) {
            latency.recordValue(Math.max(0, (System.nanoTime() - dueNanos) / 1000));
            if (t != null) {
                errors.incrementAndGet();
                detail.computeIfAbsent(t.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
            } else if (r.statusCode() == 200 && r.body().contains(expect)) {
                ok.incrementAndGet();
            } else {
                bad.incrementAndGet();
                detail.computeIfAbsent(Integer.toString(r.statusCode()), k -> new AtomicLong()).incrementAndGet();
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

    static void fixedRate(HttpClient client, HttpRequest request, String expect, int rate, int seconds, String phase)
            throws Exception {
        int n = rate * seconds;
        Tally tally = new Tally();
        List<CompletableFuture<?>> pending = new ArrayList<>(n);
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < n; i++) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000L));
            }
            pending.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, t) -> tally.done(due, r, t, expect)));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, t) -> null).get(120, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        tally.print(phase, rate, Math.max(elapsed, seconds));
    }
}
