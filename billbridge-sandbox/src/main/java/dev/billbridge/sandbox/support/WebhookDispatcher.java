package dev.billbridge.sandbox.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Posts webhooks from one thread, in submission order. A failed attempt is rescheduled after the
 * next retry delay instead of blocking the queue, so a later message can overtake a failing one,
 * which is exactly how the real providers behave and what receivers must tolerate.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private final ScheduledExecutorService thread;
    private final HttpClient http;
    private final List<Duration> retryDelays;
    private final List<DeliveryAttempt> attempts = new CopyOnWriteArrayList<>();
    private final AtomicInteger pending = new AtomicInteger();

    public WebhookDispatcher(String threadName, List<Duration> retryDelays) {
        this.retryDelays = List.copyOf(retryDelays);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        // Chargebee's documented test-site timeouts: connect 10 s, whole request 20 s
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Queues one message.
     *
     * @param headersForAttempt builds the headers per attempt (1-based), so signatures can carry a fresh timestamp
     */
    public void submit(String messageId, String url, IntFunction<Map<String, String>> headersForAttempt, String body) {
        pending.incrementAndGet();
        try {
            thread.execute(() -> attempt(messageId, url, headersForAttempt, body, 1));
        } catch (RuntimeException rejectedAfterClose) {
            pending.decrementAndGet();
        }
    }

    private void attempt(String messageId, String url, IntFunction<Map<String, String>> headersForAttempt,
                         String body, int attempt) {
        int status = -1;
        String error = null;
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            headersForAttempt.apply(attempt).forEach(req::header);
            status = http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (Exception e) {
            error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        boolean ok = status >= 200 && status < 300;
        boolean retry = !ok && attempt <= retryDelays.size() && !thread.isShutdown();
        attempts.add(new DeliveryAttempt(messageId, url, attempt, status, error, Instant.now(), retry));
        if (retry) {
            try {
                thread.schedule(() -> attempt(messageId, url, headersForAttempt, body, attempt + 1),
                        retryDelays.get(attempt - 1).toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (RuntimeException rejectedAfterClose) {
                // closing: give up
            }
        }
        pending.decrementAndGet();
    }

    public List<DeliveryAttempt> attempts() {
        return new ArrayList<>(attempts);
    }

    /** Messages queued or waiting for a retry. */
    public int pending() {
        return pending.get();
    }

    /** Waits until nothing is queued or scheduled for retry; returns false on timeout. */
    public boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Scales a schedule, e.g. Chargebee's minutes-to-days schedule down to test-friendly seconds. */
    public static List<Duration> scaled(List<Duration> schedule, double scale) {
        List<Duration> out = new ArrayList<>();
        for (Duration d : schedule) {
            out.add(Duration.ofNanos(Math.max(1_000_000L, (long) (d.toNanos() * scale))));
        }
        return out;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
