package dev.billbridge.ops;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.billbridge.core.chargebee.ChargebeeFailure;

/**
 * Paces the tool's Chargebee requests under the site's limit (evenly spaced, so a burst never trips a
 * test site's minute-long block) and retries what is worth retrying: 429 after Retry-After (else a
 * back-off), 5xx and network faults a few times. Other errors surface at once.
 */
final class ChargebeeCalls {

    private static final int MAX_ATTEMPTS = 6;

    private final long spacingNanos;
    private final PrintWriter err;
    private long next;
    private int requests;
    private int rateLimited;

    ChargebeeCalls(int perMinute, PrintWriter err) {
        this.spacingNanos = perMinute <= 0 ? 0 : 60_000_000_000L / perMinute;
        this.err = err;
        this.next = System.nanoTime();
    }

    <T> T call(String what, Callable<T> request) throws Exception {
        for (int attempt = 1; ; attempt++) {
            pace();
            try {
                requests++;
                return request.call();
            } catch (Exception e) {
                ChargebeeFailure f = ChargebeeFailure.of(e);
                if (!f.retryable() || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
                Duration wait = f.retryAfter().orElse(Duration.ofSeconds(Math.min(30, 1L << attempt)));
                if (f.kind() == ChargebeeFailure.Kind.RATE_LIMITED) {
                    rateLimited++;
                }
                err.println("  chargebee: " + what + ": " + f.kind() + ", retrying in " + wait.toMillis() + " ms");
                err.flush();
                Thread.sleep(wait.toMillis());
            }
        }
    }

    private void pace() throws InterruptedException {
        long now = System.nanoTime();
        if (next > now) {
            long sleep = next - now;
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
        next = Math.max(now, next) + spacingNanos;
    }

    int requests() {
        return requests;
    }

    int rateLimited() {
        return rateLimited;
    }
}
