package dev.billbridge.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.standardwebhooks.Webhook;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Signed Scalekit organization events against a running webhook-ingress.
 *
 * <p>Fixed rates are an open-loop schedule: request i is due at start + i/rate and its latency is
 * measured from that due time, not from when it was actually sent, so a stalled server shows up in
 * the percentiles instead of silently slowing the generator (coordinated omission). Saturation is a
 * closed loop with a fixed number of requests in flight. Requests are signed before each phase so
 * the generator spends its CPU on sending only.
 *
 * <p>Usage: {@code IngressLoad <url> <whsec_secret> <phases>} where phases is a comma list of
 * {@code rate:seconds} (events/s) and {@code sat:seconds:concurrency}; prints one result line per
 * phase: {@code RESULT phase=... target=... achieved=... ok=... non2xx=... errors=... p50_ms=... p99_ms=... max_ms=...}.
 */
public final class IngressLoad {

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: IngressLoad <url> <whsec_secret> <rate:seconds|sat:seconds:concurrency>[,...]");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        Webhook signer = new Webhook(args[1]);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        System.out.println("body_bytes=" + body("evt_00000000000000000000000000000000", "org_0000000000").length);
        for (String phase : args[2].split(",")) {
            String[] p = phase.trim().split(":");
            if (p[0].equals("sat")) {
                saturate(client, url, signer, Integer.parseInt(p[1]), Integer.parseInt(p[2]), phase);
            } else {
                fixedRate(client, url, signer, Integer.parseInt(p[0]), Integer.parseInt(p[1]), phase);
            }
        }
        System.exit(0);
    }

    /** A realistic organization.created event (the shape in shared/reference/scalekit.md). */
    static byte[] body(String id, String org) {
        return ("{\"spec_version\":\"1\",\"id\":\"" + id + "\",\"type\":\"organization.created\",\"object\":\"Organization\","
                + "\"occurred_at\":\"2026-11-20T10:15:30.123456789Z\",\"environment_id\":\"env_58345699848290819\","
                + "\"organization_id\":\"" + org + "\",\"display_name\":\"Organization Created\",\"data\":{\"id\":\"" + org + "\","
                + "\"display_name\":\"Acme Corporation\",\"external_id\":null,\"region_code\":\"US\","
                + "\"create_time\":\"2026-11-20T10:15:30.123Z\",\"update_time\":\"2026-11-20T10:15:30.123Z\","
                + "\"metadata\":{\"plan\":\"pro\",\"seats\":\"25\"},\"settings\":{\"features\":[{\"name\":\"sso\",\"enabled\":true},"
                + "{\"name\":\"dir_sync\",\"enabled\":false}]}}}").getBytes(StandardCharsets.UTF_8);
    }

    static List<HttpRequest> signed(URI url, Webhook signer, int n) throws Exception {
        List<HttpRequest> out = new ArrayList<>(n);
        long ts = Instant.now().getEpochSecond();
        for (int i = 0; i < n; i++) {
            String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
            String msgId = "msg_" + id.substring(4);
            byte[] body = body(id, "org_bench_" + (i % 1000));
            String sig = signer.sign(msgId, ts, new String(body, StandardCharsets.UTF_8));
            out.add(HttpRequest.newBuilder(url)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("webhook-id", msgId)
                    .header("webhook-timestamp", Long.toString(ts))
                    .header("webhook-signature", sig)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build());
        }
        return out;
    }

    static final class Tally {
        final Recorder latency = new Recorder(3_600_000_000L, 3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong non2xx = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final ConcurrentHashMap<String, AtomicLong> statuses = new ConcurrentHashMap<>();

        void done(long dueNanos, HttpResponse<?> r, Throwable t) {
            latency.recordValue(Math.max(0, (System.nanoTime() - dueNanos) / 1000));
            if (t != null) {
                errors.incrementAndGet();
                statuses.computeIfAbsent(t.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
            } else if (r.statusCode() / 100 == 2) {
                ok.incrementAndGet();
            } else {
                non2xx.incrementAndGet();
                statuses.computeIfAbsent(Integer.toString(r.statusCode()), k -> new AtomicLong()).incrementAndGet();
            }
        }

        void print(String phase, String target, double seconds) {
            Histogram h = latency.getIntervalHistogram();
            System.out.printf(Locale.ROOT,
                    "RESULT phase=%s target=%s achieved=%.0f ok=%d non2xx=%d errors=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f detail=%s%n",
                    phase, target, ok.get() / seconds, ok.get(), non2xx.get(), errors.get(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, statuses);
        }
    }

    static void fixedRate(HttpClient client, URI url, Webhook signer, int rate, int seconds, String phase) throws Exception {
        int n = rate * seconds;
        List<HttpRequest> requests = signed(url, signer, n);
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
            pending.add(client.sendAsync(requests.get(i), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, t) -> tally.done(due, r, t)));
        }
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, t) -> null).get(120, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        tally.print(phase, Integer.toString(rate), Math.max(elapsed, seconds));
    }

    static void saturate(HttpClient client, URI url, Webhook signer, int seconds, int concurrency, String phase) throws Exception {
        // sign generously: a closed loop takes as many as the server allows
        List<HttpRequest> requests = signed(url, signer, 20_000 * seconds);
        Tally tally = new Tally();
        Semaphore inFlight = new Semaphore(concurrency);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        int i = 0;
        while (System.nanoTime() < end && i < requests.size()) {
            inFlight.acquire();
            long sent = System.nanoTime();
            client.sendAsync(requests.get(i++), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, t) -> {
                        tally.done(sent, r, t);
                        inFlight.release();
                    });
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        inFlight.acquire(concurrency);
        tally.print(phase, "closed-loop c=" + concurrency, elapsed);
    }
}
