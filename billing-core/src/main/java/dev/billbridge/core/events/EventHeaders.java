package dev.billbridge.core.events;

/**
 * Kafka record headers. The ingress writes them beside the untouched webhook body, so consumers and
 * operators can route and deduplicate without parsing it.
 */
public final class EventHeaders {

    public static final String EVENT_ID = "billbridge-event-id";
    public static final String EVENT_TYPE = "billbridge-event-type";
    /** {@link #SOURCE_SCALEKIT} or {@link #SOURCE_CHARGEBEE}. */
    public static final String SOURCE = "billbridge-source";
    /** ISO-8601 instant at which the ingress received the webhook. */
    public static final String RECEIVED_AT = "billbridge-received-at";

    public static final String WEBHOOK_ID = "webhook-id";
    public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";
    public static final String WEBHOOK_SIGNATURE = "webhook-signature";

    /** Set by the SmallRye dead-letter strategy and by our own dead-letter writes. */
    public static final String DLQ_REASON = "dead-letter-reason";
    public static final String DLQ_CAUSE = "dead-letter-cause";
    public static final String DLQ_TOPIC = "dead-letter-topic";
    public static final String DLQ_PARTITION = "dead-letter-partition";
    public static final String DLQ_OFFSET = "dead-letter-offset";

    public static final String SOURCE_SCALEKIT = "scalekit";
    public static final String SOURCE_CHARGEBEE = "chargebee";

    private EventHeaders() {
    }
}
