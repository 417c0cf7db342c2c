package dev.billbridge.core.events;

import java.util.List;

/** Kafka topic names. Operators see these names; changing one is a migration, not a refactor. */
public final class Topics {

    /** Raw Scalekit webhook bodies, keyed by organization id. */
    public static final String SCALEKIT_EVENTS = "scalekit.events";
    public static final String SCALEKIT_EVENTS_DLQ = "scalekit.events.dlq";

    /** Raw Chargebee webhook bodies, keyed by customer id (else subscription id). */
    public static final String CHARGEBEE_EVENTS = "chargebee.events";
    public static final String CHARGEBEE_EVENTS_DLQ = "chargebee.events.dlq";

    /** billbridge's own JSON lifecycle records, published after commit, keyed by organization id. */
    public static final String BILLING_LIFECYCLE = "billing.lifecycle";

    public static final List<String> ALL = List.of(
            SCALEKIT_EVENTS, SCALEKIT_EVENTS_DLQ, CHARGEBEE_EVENTS, CHARGEBEE_EVENTS_DLQ, BILLING_LIFECYCLE);

    private Topics() {
    }
}
