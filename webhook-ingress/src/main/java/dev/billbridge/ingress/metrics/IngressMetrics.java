package dev.billbridge.ingress.metrics;

import java.util.List;
import java.util.concurrent.TimeUnit;

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

    // resolved once: a registry lookup (tags, maps) per request costs more than the increment
    private final Counter[][] counters = new Counter[SOURCES.size()][Outcome.values().length];
    private final Timer[] timers = new Timer[SOURCES.size()];

    public IngressMetrics(MeterRegistry registry) {
        for (int s = 0; s < SOURCES.size(); s++) {
            String source = SOURCES.get(s);
            for (Outcome o : Outcome.values()) {
                counters[s][o.ordinal()] = Counter.builder("billbridge.ingress.webhooks")
                        .description("Webhooks answered, by source and outcome")
                        .tag("source", source).tag("outcome", o.tag).register(registry);
            }
            timers[s] = Timer.builder("billbridge.ingress.publish")
                    .description("Time from publish to the broker's acknowledgement (or failure)")
                    .tag("source", source).register(registry);
        }
    }

    public void count(String source, Outcome outcome) {
        int s = index(source);
        if (s >= 0) {
            counters[s][outcome.ordinal()].increment();
        }
    }

    public void publishTook(String source, long nanos) {
        int s = index(source);
        if (s >= 0) {
            timers[s].record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private static int index(String source) {
        // the sources are the EventHeaders constants: identity first, equals as the fallback
        if (source == EventHeaders.SOURCE_SCALEKIT || EventHeaders.SOURCE_SCALEKIT.equals(source)) {
            return 0;
        }
        if (source == EventHeaders.SOURCE_CHARGEBEE || EventHeaders.SOURCE_CHARGEBEE.equals(source)) {
            return 1;
        }
        return -1;
    }
}
