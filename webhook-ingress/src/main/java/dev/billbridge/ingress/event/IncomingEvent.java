package dev.billbridge.ingress.event;

import java.time.Instant;
import java.util.Map;

/**
 * A verified webhook on its way to Kafka.
 *
 * @param source        {@code EventHeaders.SOURCE_SCALEKIT} or {@code SOURCE_CHARGEBEE}
 * @param id            the event id from the body (evt_… / ev_…), the workers' deduplication key
 * @param type          the event type from the body
 * @param key           the partition key (organization, customer or subscription id); null when the
 *                      event names none
 * @param body          the bytes exactly as received
 * @param receivedAt    when the request arrived
 * @param webhookHeaders transport headers to keep beside the body (Scalekit's webhook-*)
 */
public record IncomingEvent(String source, String id, String type, String key, byte[] body, Instant receivedAt,
                            Map<String, String> webhookHeaders) {
}
