package dev.billbridge.provisioning.event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.events.EventHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The fields of a Scalekit organization event the worker acts on, read from the raw webhook body the
 * ingress forwarded. Times are truncated to microseconds: that is what Postgres keeps, and
 * {@code occurred_at} comparisons against stored values must not be fooled by lost nanoseconds.
 */
public record ScalekitEvent(String id, String type, String organizationId, String displayName, Instant occurredAt,
                            Instant deletedAt) {

    public static final String CREATED = "organization.created";
    public static final String UPDATED = "organization.updated";
    public static final String DELETED = "organization.deleted";

    public boolean isOrganizationEvent() {
        return CREATED.equals(type) || UPDATED.equals(type) || DELETED.equals(type);
    }

    /** @throws Unreadable when the record cannot be acted on whatever happens later (it goes to the DLQ) */
    public static ScalekitEvent parse(ConsumerRecord<String, byte[]> record, ObjectMapper mapper) {
        if (record.value() == null) {
            throw new Unreadable("empty record value");
        }
        JsonNode root;
        try {
            root = mapper.readTree(record.value());
        } catch (Exception e) {
            throw new Unreadable("body is not JSON: " + e.getClass().getSimpleName());
        }
        if (root == null || !root.isObject()) {
            throw new Unreadable("body is not a JSON object");
        }
        String id = text(root.get("id"));
        if (id == null) {
            id = header(record, EventHeaders.EVENT_ID);
        }
        String type = text(root.get("type"));
        if (type == null) {
            type = header(record, EventHeaders.EVENT_TYPE);
        }
        if (id == null || type == null) {
            throw new Unreadable("event has no id or type");
        }
        JsonNode data = root.path("data");
        String org = text(root.get("organization_id"));
        if (org == null) {
            org = text(data.get("id"));
        }
        String displayName = text(data.get("display_name"));  // the top-level display_name names the event
        Instant occurredAt = instant(root.get("occurred_at"), "occurred_at");
        Instant deletedAt = instant(data.get("deleted_at"), "data.deleted_at");
        ScalekitEvent e = new ScalekitEvent(id, type, org, displayName, occurredAt, deletedAt);
        if (e.isOrganizationEvent()) {
            if (org == null || org.isBlank() || org.length() > 50) {
                throw new Unreadable("organization id missing or longer than Chargebee's 50 characters");
            }
            if (occurredAt == null) {
                throw new Unreadable("occurred_at missing");
            }
        }
        return e;
    }

    private static Instant instant(JsonNode n, String field) {
        String s = text(n);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s).truncatedTo(ChronoUnit.MICROS);
        } catch (DateTimeParseException e) {
            throw new Unreadable(field + " is not an ISO-8601 instant");
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || !n.isValueNode() ? null : n.asText();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A record no retry can fix. */
    public static final class Unreadable extends RuntimeException {
        public Unreadable(String message) {
            super(message);
        }
    }
}
