package dev.billbridge.ingress.event;

/**
 * A verified webhook on its way to Kafka.
 *
 * @param source           {@code EventHeaders.SOURCE_SCALEKIT} or {@code SOURCE_CHARGEBEE}
 * @param id               the event id from the body (evt_… / ev_…), the workers' deduplication key
 * @param type             the event type from the body
 * @param key              the partition key (organization, customer or subscription id); null when the
 *                         event names none
 * @param body             the bytes exactly as received
 * @param receivedAtMillis when the request arrived (epoch milliseconds)
 * @param webhookId        Scalekit's transport headers, kept beside the body (null for Chargebee)
 * @param webhookTimestamp
 * @param webhookSignature
 */
public record IncomingEvent(String source, String id, String type, String key, byte[] body, long receivedAtMillis,
                            String webhookId, String webhookTimestamp, String webhookSignature) {
}
