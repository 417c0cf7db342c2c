package dev.billbridge.provisioning.chargebee;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;

import com.chargebee.APIException;
import dev.billbridge.core.billing.ProvisionCustomer;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.provisioning.config.ProvisioningConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.RateLimitException;
import io.smallrye.faulttolerance.api.RateLimitType;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Every Chargebee request of this process goes through here (ProvisionCustomer picks this bean up as
 * its {@link ProvisionCustomer.CallPolicy}). Two SmallRye Fault Tolerance guards, one inside the other:
 * <ul>
 *   <li>outer: a bounded exponential retry for 5xx and network failures/timeouts;</li>
 *   <li>inner: ONE shared rate limit (smooth, {@code provisioning.chargebee.rate-limit-per-minute}),
 *       taken by every HTTP request including retries, and an unbounded retry for rate limiting, ours
 *       ({@link RateLimitException}, waiting until the next permit is due) or Chargebee's 429
 *       (honouring Retry-After, else exponential backoff): a 429 never becomes a failure, and never
 *       uses up the 5xx budget.</li>
 * </ul>
 * A retried request is the same SDK request object, so it carries the same idempotency key.
 * Whatever the guards give up on is rethrown as the SDK threw it; callers classify it with
 * {@link ChargebeeFailure#of(Throwable)}.
 */
@ApplicationScoped
public class ChargebeeCalls implements ProvisionCustomer.CallPolicy {

    private static final Logger LOG = Logger.getLogger(ChargebeeCalls.class);

    private final Guard transientRetry;
    private final Guard rateLimitedWait;
    private final Counter chargebee429;
    private final Counter transientRetries;

    public ChargebeeCalls(ProvisioningConfig config, MeterRegistry registry) {
        ProvisioningConfig.Chargebee cb = config.chargebee();
        this.chargebee429 = registry.counter("provisioning.chargebee.rate.limited", "source", "chargebee");
        this.transientRetries = registry.counter("provisioning.chargebee.transient.retries");
        Counter ourLimit = registry.counter("provisioning.chargebee.rate.limited", "source", "client");
        // outer: the bounded budget counts 5xx/network failures only; waiting for a permit never uses it up
        this.transientRetry = Guard.create()
                .withDescription("chargebee: transient retry")
                .withRetry()
                    .maxRetries(cb.maxRetries())
                    .delay(cb.retryDelay().toMillis(), ChronoUnit.MILLIS)
                    .maxDuration(0, ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(ChargebeeCalls::isTransient)
                    .beforeRetry(t -> {
                        transientRetries.increment();
                        LOG.warnf("Chargebee call failed (%s); retrying with backoff", ChargebeeFailure.of(t).kind());
                    })
                    .withExponentialBackoff()
                        .factor(2)
                        .maxDelay(cb.maxRetryDelay().toMillis(), ChronoUnit.MILLIS)
                        .done()
                    .done()
                .build();
        // inner: the one shared rate limiter (retry wraps it, so every HTTP request takes a permit), and an
        // unbounded wait on rejections, ours or Chargebee's 429
        long initial = cb.rateLimitedDelay().toMillis();
        long max = cb.rateLimitedMaxDelay().toMillis();
        this.rateLimitedWait = Guard.create()
                .withDescription("chargebee: rate limit")
                .withRateLimit()
                    .limit(cb.rateLimitPerMinute())
                    .window(1, ChronoUnit.MINUTES)
                    .type(RateLimitType.SMOOTH)
                    .onRejected(ourLimit::increment)
                    .done()
                .withRetry()
                    .maxRetries(-1)
                    .maxDuration(0, ChronoUnit.MILLIS)
                    .delay(0, ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(ChargebeeCalls::isRateLimited)
                    .beforeRetry(t -> {
                        if (!(t instanceof RateLimitException)) {
                            chargebee429.increment();
                            LOG.debugf("Chargebee answered 429; waiting");
                        }
                    })
                    .withCustomBackoff()
                        .strategy(() -> new RateLimitBackoff(initial, max))
                        .done()
                    .done()
                .build();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T call(Callable<T> sdkCall) throws Exception {
        return (T) transientRetry.call(() -> rateLimitedWait.call((Callable<Object>) sdkCall, Object.class), Object.class);
    }

    /** A failure the SDK produced (not a bug of ours) that retrying may cure: 5xx, network, timeout. */
    static boolean isTransient(Throwable t) {
        if (!isSdkFailure(t)) {
            return false;
        }
        ChargebeeFailure.Kind kind = ChargebeeFailure.of(t).kind();
        return kind == ChargebeeFailure.Kind.SERVER_ERROR || kind == ChargebeeFailure.Kind.NETWORK;
    }

    static boolean isRateLimited(Throwable t) {
        return t instanceof RateLimitException
                || (t instanceof APIException && ChargebeeFailure.of(t).kind() == ChargebeeFailure.Kind.RATE_LIMITED);
    }

    /** Thrown by the Chargebee SDK (or our wrapping of its IOException), as opposed to a bug of ours. */
    public static boolean isSdkFailure(Throwable t) {
        // the SDK reports an unparseable error body as a bare RuntimeException
        return t instanceof APIException || t instanceof IOException || t instanceof UncheckedIOException
                || t.getClass() == RuntimeException.class;
    }

    /** Waits what the limiter says: our permit's due time, Chargebee's Retry-After, else doubling delays. */
    static final class RateLimitBackoff implements CustomBackoffStrategy {
        private final long max;
        private long next;

        RateLimitBackoff(long initial, long max) {
            this.next = Math.max(1, initial);
            this.max = Math.max(next, max);
        }

        @Override
        public long nextDelayInMillis(Throwable cause) {
            if (cause instanceof RateLimitException r) {
                // the smooth limiter tells us when the next permit is due; a little jitter spreads waiters
                return Math.max(1, r.getRetryAfterMillis()) + ThreadLocalRandom.current().nextLong(5);
            }
            var retryAfter = ChargebeeFailure.of(cause).retryAfter();
            if (retryAfter.isPresent()) {
                return Math.max(1, retryAfter.get().toMillis());
            }
            long d = next;
            next = Math.min(max, next * 2);
            return d + ThreadLocalRandom.current().nextLong(Math.max(1, d / 10));
        }
    }
}
