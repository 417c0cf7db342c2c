package dev.billbridge.sandbox.support;

import java.time.Instant;

/**
 * One attempt to POST a webhook.
 *
 * @param messageId  the event id (Chargebee {@code ev_..}) or webhook-id (Scalekit {@code evt_..})
 * @param url        target URL
 * @param attempt    1 for the first try, 2 for the first retry, ...
 * @param statusCode HTTP status received, or -1 when the connection failed
 * @param error      the connection error, or null
 * @param at         wall-clock time of the attempt
 * @param willRetry  whether another attempt is scheduled
 */
public record DeliveryAttempt(String messageId, String url, int attempt, int statusCode, String error, Instant at,
                              boolean willRetry) {
    public boolean succeeded() {
        return statusCode >= 200 && statusCode < 300;
    }
}
