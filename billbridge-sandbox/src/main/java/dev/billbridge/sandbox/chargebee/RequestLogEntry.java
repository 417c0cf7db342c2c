package dev.billbridge.sandbox.chargebee;

import java.time.Instant;
import java.util.Map;

/**
 * One API request the simulator received, including rejected ones. The Authorization header is
 * deliberately not recorded.
 *
 * @param time           wall-clock time of arrival
 * @param params         query and form parameters, decoded
 * @param status         HTTP status answered
 * @param outcome        {@code ok}, {@code replayed} (idempotency cache hit), {@code rate_limited},
 *                       {@code injected_fault}, {@code unauthorized} or {@code error}
 * @param idempotencyKey the {@code chargebee-idempotency-key} header, or null
 */
public record RequestLogEntry(Instant time, String method, String path, Map<String, String> params, int status,
                              String outcome, String idempotencyKey) {
}
