package dev.billbridge.ingress.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.billbridge.core.events.EventHeaders;
import io.micrometer.core.instrument.Counter;
import io.quarkus.runtime.Startup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@code billbridge_ingress_webhooks_total{source, outcome}} counts every answered webhook, and
 * {@code billbridge_ingress_publish_seconds{source}} times the wait for the broker. All series exist
 * from start-up (at 0), so a rate() over them works before the first event.
 */
@Startup
@ApplicationScoped
public class IngressMetrics {

    public enum Outcome {
        ACCEPTED("accepted"),
        UNAUTHORIZED("unauthorized"),
        BAD_REQUEST("bad_request"),
        TOO_LARGE("too_large"),
        UNSUPPORTED_MEDIA_TYPE("unsupported_media_type"),
        UNAVAILABLE("unavailable");

        final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }
    }

    private static final List<String> SOURCES = List.of(EventHeaders.SOURCE_SCALEKIT, EventHeaders.SOURCE_CHARGEBEE);

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public IngressMetrics(MeterRegistry registry) {
        for (String source : SOURCES) {
            for (Outcome o : Outcome.values()) {
                counters.put(source + "/" + o.tag, Counter.builder("billbridge.ingress.webhooks")
                        .description("Webhooks answered, by source and outcome")
                        .tag("source", source).tag("outcome", o.tag).register(registry));
            }
            timers.put(source, Timer.builder("billbridge.ingress.publish")
                    .description("Time from publish to the broker's acknowledgement (or failure)")
                    .tag("source", source).register(registry));
        }
    }

    public void count(String source, Outcome outcome) {
        Counter c = counters.get(source + "/" + outcome.tag);
        if (c != null) {
            c.increment();
        }
    }

    public void publishTook(String source, Duration d) {
        Timer t = timers.get(source);
        if (t != null) {
            t.record(d);
        }
    }
}
