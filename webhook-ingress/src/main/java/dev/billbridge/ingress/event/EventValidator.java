package dev.billbridge.ingress.event;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
    private final JsonFactory factory;

    public EventValidator(ObjectMapper mapper) {
        // "{...} garbage" is not a JSON document; Jackson accepts it unless told otherwise
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.factory = mapper.getFactory();
    }

    /**
     * Scalekit events are the hot path: one streaming pass over the body instead of a tree. The whole
     * document is still read (so malformed JSON and trailing garbage are refused as before), but only
     * the four values routing needs are materialised. Duplicate keys resolve as in a tree: the last wins.
     */
    public IncomingEvent scalekit(byte[] body, long receivedAtMillis, String webhookId, String webhookTimestamp,
                                  String webhookSignature) throws InvalidEvent {
        String id = null;
        String type = null;
        String org = null;
        String dataId = null;
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidEvent("the body is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> id = string(p, value);
                    case "type" -> type = string(p, value);
                    case "organization_id" -> org = string(p, value);
                    case "data" -> dataId = value == JsonToken.START_OBJECT ? idOf(p) : skip(p, value);
                    default -> skip(p, value);
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InvalidEvent("the body is not valid JSON");
            }
        } catch (IOException e) {
            // the parser's message quotes the body: personal data stays out of responses and logs
            throw new InvalidEvent("the body is not valid JSON");
        }
        if (id == null) {
            throw missing("id");
        }
        if (type == null) {
            throw missing("type");
        }
        if (org == null) {
            org = dataId;
        }
        if (org == null) {
            throw new InvalidEvent("the event names no organization (organization_id or data.id)");
        }
        return new IncomingEvent(EventHeaders.SOURCE_SCALEKIT, id, type, org, body, receivedAtMillis,
                webhookId, webhookTimestamp, webhookSignature);
    }

    /** The {@code id} string of the object the parser has just entered; the rest of it is skipped. */
    private static String idOf(JsonParser p) throws IOException {
        String id = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("id")) {
                id = string(p, value);
            } else {
                skip(p, value);
            }
        }
        return id;
    }

    /** A non-blank string value, else null (numbers, objects, ... are skipped). */
    private static String string(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            return skip(p, value);
        }
        String s = p.getText();
        return s.isBlank() ? null : s;
    }

    private static String skip(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            p.skipChildren();
        }
        return null;
    }

    private static InvalidEvent missing(String field) {
        return new InvalidEvent("'" + field + "' is missing or not a non-empty string");
    }

    public IncomingEvent chargebee(byte[] body, long receivedAtMillis) throws InvalidEvent {
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
        return new IncomingEvent(EventHeaders.SOURCE_CHARGEBEE, id, type, key, body, receivedAtMillis, null, null, null);
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
            throw missing(field);
        }
        return v;
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }
}
