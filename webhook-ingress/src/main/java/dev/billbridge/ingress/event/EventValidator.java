package dev.billbridge.ingress.event;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.billbridge.core.events.EventHeaders;

/**
 * Reads only what routing needs from a verified body: the id, the type and the partition key. The
 * body itself is forwarded untouched; the workers do the real parsing.
 */
public final class EventValidator {

    /**
     * Where a Chargebee event names its customer, most specific first; the subscription id is the
     * fallback the issue asks for when no customer is named.
     */
    private static final String[][] CHARGEBEE_KEY_PATHS = {
            {"customer", "id"},
            {"subscription", "customer_id"},
            {"invoice", "customer_id"},
            {"credit_note", "customer_id"},
            {"transaction", "customer_id"},
            {"payment_source", "customer_id"},
            {"card", "customer_id"},
            {"hosted_page", "content", "customer", "id"},
            {"subscription", "id"},
    };

    private final ObjectReader reader;

    public EventValidator(ObjectMapper mapper) {
        // "{...} garbage" is not a JSON document; Jackson accepts it unless told otherwise
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public IncomingEvent scalekit(byte[] body, Instant receivedAt, Map<String, String> webhookHeaders) throws InvalidEvent {
        JsonNode root = object(body);
        String id = required(root, "id");
        String type = required(root, "type");
        String org = text(root.get("organization_id"));
        if (org == null) {
            org = text(root.path("data").get("id"));
        }
        if (org == null) {
            throw new InvalidEvent("the event names no organization (organization_id or data.id)");
        }
        return new IncomingEvent(EventHeaders.SOURCE_SCALEKIT, id, type, org, body, receivedAt, webhookHeaders);
    }

    public IncomingEvent chargebee(byte[] body, Instant receivedAt) throws InvalidEvent {
        JsonNode root = object(body);
        String id = required(root, "id");
        String type = required(root, "event_type");
        required(root, "api_version");
        JsonNode content = root.path("content");
        String key = null;
        for (String[] path : CHARGEBEE_KEY_PATHS) {
            JsonNode n = content;
            for (String field : path) {
                n = n.path(field);
            }
            key = text(n);
            if (key != null) {
                break;
            }
        }
        return new IncomingEvent(EventHeaders.SOURCE_CHARGEBEE, id, type, key, body, receivedAt, Map.of());
    }

    private JsonNode object(byte[] body) throws InvalidEvent {
        JsonNode root;
        try {
            root = reader.readTree(body);
        } catch (IOException e) {
            // the parser's message quotes the body: personal data stays out of responses and logs
            throw new InvalidEvent("the body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEvent("the body is not a JSON object");
        }
        return root;
    }

    private static String required(JsonNode root, String field) throws InvalidEvent {
        String v = text(root.get(field));
        if (v == null) {
            throw new InvalidEvent("'" + field + "' is missing or not a non-empty string");
        }
        return v;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }
}
