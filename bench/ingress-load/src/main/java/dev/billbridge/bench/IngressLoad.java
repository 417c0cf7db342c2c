package dev.billbridge.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import com.standardwebhooks.Webhook;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Signed Scalekit organization events against a running webhook-ingress.
 *
 * <p>Fixed rates are an open-loop schedule: request i is due at start + i/rate and its latency is
 * measured from that due time, not from when it was actually sent, so a stalled server shows up in
 * the percentiles instead of silently slowing the generator (coordinated omission). Saturation is a
 * closed loop with a fixed number of requests in flight. Requests are signed before each phase (with
 * the reference Standard Webhooks library) so the generator spends its CPU on sending only. One
 * Vert.x event loop and at most {@code connections} keep-alive connections: a light client for a
 * machine it shares with the server and the broker.
 *
 * <p>Usage: {@code IngressLoad <url> <whsec_secret> <connections> <phases>} where phases is a comma
 * list of {@code rate:seconds} (events/s) and {@code sat:seconds:concurrency}; prints one line per phase:
 * {@code RESULT phase=... achieved=... ok=... non2xx=... errors=... p50_ms=... p99_ms=... max_ms=...}.
 */
public final class IngressLoad {

    record Signed(String msgId, String ts, String sig, Buffer body) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 5 && args[0].equals("--dump")) {
            dump(args[1], new Webhook(args[2]), Integer.parseInt(args[3]), java.nio.file.Path.of(args[4]));
            return;
        }
        if (args.length < 4) {
            System.err.println("usage: IngressLoad <url> <whsec_secret> <connections> <rate:seconds|sat:seconds:concurrency>[,...]");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        Webhook signer = new Webhook(args[1]);
        int connections = Integer.parseInt(args[2]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000).setIdleTimeout(60),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
        RequestOptions base = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost())
                .setPort(url.getPort()).setURI(url.getPath()).setTimeout(30_000);
        System.out.println("body_bytes=" + body("evt_00000000000000000000000000000000", "org_bench_0").length);
        for (String phase : args[3].split(",")) {
            String[] p = phase.trim().split(":");
            if (p[0].equals("sat")) {
                saturate(client, base, signer, Integer.parseInt(p[1]), Integer.parseInt(p[2]), phase);
            } else {
                fixedRate(client, base, signer, Integer.parseInt(p[0]), Integer.parseInt(p[1]), phase);
            }
        }
        vertx.close();
        System.out.printf(Locale.ROOT, "generator_cpu_s=%.1f%n", ProcessHandle.current().info().totalCpuDuration()
                .map(d -> d.toMillis() / 1000.0).orElse(-1.0));
        System.exit(0);
    }

    /**
     * Writes n freshly signed requests for wrk (bench/ingress-sat.lua), one per line:
     * path, webhook-id, webhook-timestamp, webhook-signature and the body, tab-separated (the
     * bodies contain neither tabs nor newlines). Signatures stay valid for the 300 s tolerance.
     */
    static void dump(String path, Webhook signer, int n, java.nio.file.Path file) throws Exception {
        try (var out = java.nio.file.Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Signed s : signed(signer, n)) {
                out.write(path + "\t" + s.msgId() + "\t" + s.ts() + "\t" + s.sig() + "\t"
                        + s.body().toString(StandardCharsets.UTF_8) + "\n");
            }
        }
        System.out.println("body_bytes=" + body("evt_00000000000000000000000000000000", "org_bench_0").length);
    }

    /** CPU seconds used so far by the processes named in -Dbench.pids=name:pid,... (read from /proc). */
    static String cpuSnapshot() {
        StringBuilder sb = new StringBuilder();
        String pids = System.getProperty("bench.pids", "");
        long tck = 100; // USER_HZ on Linux
        for (String np : pids.split(",")) {
            if (np.isBlank()) {
                continue;
            }
            String[] kv = np.split(":");
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + kv[1] + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) tck;
                sb.append(kv[0]).append('=').append(cpu).append(' ');
            } catch (Exception e) {
                sb.append(kv[0]).append("=? ");
            }
        }
        double self = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1000.0).orElse(-1.0);
        return sb.append("generator=").append(self).toString();
    }

    static double[] cpuValues(String snapshot) {
        String[] parts = snapshot.split(" ");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String x = parts[i].substring(parts[i].indexOf('=') + 1);
            v[i] = x.equals("?") ? Double.NaN : Double.parseDouble(x);
        }
        return v;
    }

    /** Per-phase CPU seconds of each process and per answered event, in microseconds. */
    static void printCpu(String phase, String before, long events) {
        String after = cpuSnapshot();
        double[] a = cpuValues(before);
        double[] b = cpuValues(after);
        String[] names = after.split(" ");
        StringBuilder sb = new StringBuilder("CPU phase=" + phase + " events=" + events);
        for (int i = 0; i < names.length && i < a.length; i++) {
            String name = names[i].substring(0, names[i].indexOf('='));
            double d = b[i] - a[i];
            sb.append(String.format(Locale.ROOT, " %s_s=%.1f %s_us_per_event=%.0f", name, d, name,
                    events == 0 ? 0 : d * 1e6 / events));
        }
        System.out.println(sb);
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

    static List<Signed> signed(Webhook signer, int n) throws Exception {
        List<Signed> out = new ArrayList<>(n);
        long ts = Instant.now().getEpochSecond();
        for (int i = 0; i < n; i++) {
            String id = "evt_" + UUID.randomUUID().toString().replace("-", "");
            String msgId = "msg_" + id.substring(4);
            byte[] body = body(id, "org_bench_" + (i % 1000));
            String sig = signer.sign(msgId, ts, new String(body, StandardCharsets.UTF_8));
            out.add(new Signed(msgId, Long.toString(ts), sig, Buffer.buffer(body)));
        }
        return out;
    }

    static final class Tally {
        final Recorder latency = new Recorder(3_600_000_000L, 3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong non2xx = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final Map<String, AtomicLong> detail = new ConcurrentHashMap<>();
        final AtomicLong lastDone = new AtomicLong();

        void done(long startNanos, int status, Throwable t) {
            lastDone.accumulateAndGet(System.nanoTime(), Math::max);
            latency.recordValue(Math.max(0, (System.nanoTime() - startNanos) / 1000));
            if (t != null) {
                errors.incrementAndGet();
                String why = t.getClass().getSimpleName() + ":" + String.valueOf(t.getMessage()).replaceAll("\\s+", "_");
                detail.computeIfAbsent(why.length() > 80 ? why.substring(0, 80) : why, k -> new AtomicLong()).incrementAndGet();
            } else if (status / 100 == 2) {
                ok.incrementAndGet();
            } else {
                non2xx.incrementAndGet();
                detail.computeIfAbsent(Integer.toString(status), k -> new AtomicLong()).incrementAndGet();
            }
        }

        void print(String phase, String target, double seconds) {
            Histogram h = latency.getIntervalHistogram();
            System.out.printf(Locale.ROOT,
                    "RESULT phase=%s target=%s achieved=%.0f ok=%d non2xx=%d errors=%d p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f detail=%s%n",
                    phase, target, ok.get() / seconds, ok.get(), non2xx.get(), errors.get(),
                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, detail);
        }
    }

    static void send(HttpClient client, RequestOptions base, Signed s, long startNanos, Tally tally, Runnable then) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add("webhook-id", s.msgId()).add("webhook-timestamp", s.ts()).add("webhook-signature", s.sig());
        client.request(new RequestOptions(base).setHeaders(headers))
                .compose(req -> req.send(s.body()))
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(ar -> {
                    tally.done(startNanos, ar.succeeded() ? ar.result() : 0, ar.succeeded() ? null : ar.cause());
                    then.run();
                });
    }

    static void fixedRate(HttpClient client, RequestOptions base, Webhook signer, int rate, int seconds, String phase) throws Exception {
        int n = rate * seconds;
        List<Signed> requests = signed(signer, n);
        Tally tally = new Tally();
        String cpu0 = cpuSnapshot();
        CountDownLatch done = new CountDownLatch(n);
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < n; i++) {
            long due = start + i * intervalNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000L));
            }
            send(client, base, requests.get(i), due, tally, done::countDown);
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            // each request has a 30 s client timeout: anything still open now was never answered
            System.out.println("WARNING: " + done.getCount() + " requests of phase " + phase + " neither answered nor failed after 60 s");
        }
        // completions per second of wall time until the last answer: a server that falls behind
        // shows a lower rate here, not just higher latencies
        double elapsed = Math.max((tally.lastDone.get() - start) / 1e9, seconds);
        tally.print(phase, Integer.toString(rate), elapsed);
        printCpu(phase, cpu0, tally.ok.get() + tally.non2xx.get());
    }

    static void saturate(HttpClient client, RequestOptions base, Webhook signer, int seconds, int concurrency, String phase) throws Exception {
        List<Signed> requests = signed(signer, 15_000 * seconds);
        Tally tally = new Tally();
        String cpu0 = cpuSnapshot();
        AtomicInteger next = new AtomicInteger();
        AtomicLong okAtEnd = new AtomicLong(-1);
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        CountDownLatch loops = new CountDownLatch(concurrency);
        for (int c = 0; c < concurrency; c++) {
            new Object() {
                void go() {
                    int i = next.getAndIncrement();
                    if (System.nanoTime() >= end || i >= requests.size()) {
                        loops.countDown();
                        return;
                    }
                    send(client, base, requests.get(i), System.nanoTime(), tally, this::go);
                }
            }.go();
        }
        loops.await(seconds + 120L, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        tally.print(phase, "closed-loop-c" + concurrency, elapsed);
        printCpu(phase, cpu0, tally.ok.get() + tally.non2xx.get());
        if (next.get() >= requests.size()) {
            System.out.println("WARNING: saturation ran out of pre-signed requests; raise the pool");
        }
        okAtEnd.set(tally.ok.get());
    }
}
