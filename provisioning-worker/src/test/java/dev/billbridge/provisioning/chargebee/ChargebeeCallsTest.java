package dev.billbridge.provisioning.chargebee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.chargebee.APIException;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.provisioning.config.ProvisioningConfig;
import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * The guards around every Chargebee request, built with test settings. A @QuarkusTest only because
 * SmallRye's programmatic guards need the CDI container (same resources as the other classes, so no
 * extra boot).
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
class ChargebeeCallsTest {

    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void a429IsRetriedUntilItSucceedsHonouringRetryAfter() throws Exception {
        ChargebeeCalls calls = new ChargebeeCalls(config(6000, 2), registry);
        AtomicInteger attempts = new AtomicInteger();

        String r = calls.call(() -> {
            if (attempts.incrementAndGet() <= 4) {
                throw error(429, "api_request_limit_exceeded", Map.of("Retry-After", List.of("0")));
            }
            return "ok";
        });

        assertEquals("ok", r);
        assertEquals(5, attempts.get(), "more 429s than the 5xx retry budget, still never given up");
        assertEquals(4, registry.counter("provisioning.chargebee.rate.limited", "source", "chargebee").count());
    }

    @Test
    void serverErrorsAndTimeoutsAreRetriedABoundedNumberOfTimesThenRethrownAsIs() {
        ChargebeeCalls calls = new ChargebeeCalls(config(6000, 2), registry);
        AtomicInteger attempts = new AtomicInteger();
        APIException boom = error(503, "internal_error", Map.of());

        Exception thrown = assertThrows(Exception.class, () -> calls.call(() -> {
            attempts.incrementAndGet();
            throw boom;
        }));

        assertSame(boom, thrown);
        assertEquals(3, attempts.get(), "1 + maxRetries");

        AtomicInteger timeouts = new AtomicInteger();
        assertThrows(UncheckedIOException.class, () -> calls.call(() -> {
            timeouts.incrementAndGet();
            throw new UncheckedIOException(new SocketTimeoutException("read timed out"));
        }));
        assertEquals(3, timeouts.get());
    }

    @Test
    void otherClientErrorsAndOurOwnBugsAreNotRetried() {
        ChargebeeCalls calls = new ChargebeeCalls(config(6000, 2), registry);
        AtomicInteger attempts = new AtomicInteger();
        assertThrows(APIException.class, () -> calls.call(() -> {
            attempts.incrementAndGet();
            throw error(400, "param_wrong_value", Map.of());
        }));
        assertThrows(IllegalArgumentException.class, () -> calls.call(() -> {
            attempts.incrementAndGet();
            throw new IllegalArgumentException("bug");
        }));
        assertEquals(2, attempts.get());
    }

    @Test
    void oneClientSideRateLimitSpacesEveryCallAndMakesThemWaitNotFail() throws Exception {
        // 120/min, smooth: one permit per 500 ms; four calls in a row must wait for permits, not fail
        ChargebeeCalls calls = new ChargebeeCalls(config(120, 0), registry);
        for (int i = 0; i < 4; i++) {
            assertEquals("x", calls.call(() -> "x"));
        }
        assertTrue(registry.counter("provisioning.chargebee.rate.limited", "source", "client").count() >= 3,
                "our own limiter held calls back");
    }

    static APIException error(int status, String code, Map<String, List<String>> headers) {
        JSONObject body = new JSONObject(Map.of("message", code, "type", "invalid_request", "api_error_code", code,
                "error_code", code, "error_msg", code, "http_status_code", status));
        return new APIException(status, code, body, headers);
    }

    static ProvisioningConfig config(int perMinute, int maxRetries) {
        return new ProvisioningConfig() {
            @Override
            public Chargebee chargebee() {
                return new Chargebee() {
                    public int rateLimitPerMinute() { return perMinute; }
                    public int maxRetries() { return maxRetries; }
                    public Duration retryDelay() { return Duration.ofMillis(5); }
                    public Duration maxRetryDelay() { return Duration.ofMillis(20); }
                    public Duration rateLimitedDelay() { return Duration.ofMillis(5); }
                    public Duration rateLimitedMaxDelay() { return Duration.ofMillis(20); }
                };
            }

            @Override
            public Database database() {
                return new Database() {
                    public Duration retryDelay() { return Duration.ofMillis(5); }
                    public Duration maxRetryDelay() { return Duration.ofMillis(20); }
                };
            }
        };
    }
}
