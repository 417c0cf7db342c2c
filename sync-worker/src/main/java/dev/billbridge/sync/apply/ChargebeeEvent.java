package dev.billbridge.sync.apply;

import java.time.Instant;

import com.chargebee.org.json.JSONException;
import com.chargebee.org.json.JSONObject;

/**
 * One Chargebee webhook body as the ingress stored it, plus where it came from (for dead letters).
 *
 * @param id         Chargebee's event id: the deduplication key
 * @param type       event_type, e.g. {@code subscription_changed}
 * @param occurredAt occurred_at (unix seconds)
 * @param content    the event's content object (subscription, customer, transaction, invoice ...)
 */
public record ChargebeeEvent(String id, String type, Instant occurredAt, JSONObject content) {

    /** A body that can never be applied, however often it is retried. */
    public static class Malformed extends RuntimeException {
        public Malformed(String message) {
            super(message);
        }
    }

    public static ChargebeeEvent parse(String body) {
        if (body == null || body.isBlank()) {
            throw new Malformed("empty body");
        }
        JSONObject ev;
        try {
            ev = new JSONObject(body);
        } catch (JSONException e) {
            // the parser's message quotes a position, never the body
            throw new Malformed("not a JSON object: " + e.getMessage());
        }
        String id = ev.optString("id", "").trim();
        String type = ev.optString("event_type", "").trim();
        if (id.isEmpty()) {
            throw new Malformed("event id is missing");
        }
        if (type.isEmpty()) {
            throw new Malformed("event_type is missing");
        }
        if (ev.has("api_version") && !"v2".equals(ev.optString("api_version"))) {
            throw new Malformed("api_version " + ev.optString("api_version") + " is not v2");
        }
        long occurred = ev.optLong("occurred_at", -1);
        if (occurred < 0) {
            throw new Malformed("occurred_at is missing or not a number");
        }
        JSONObject content = ev.optJSONObject("content");
        if (content == null) {
            throw new Malformed("content is missing");
        }
        return new ChargebeeEvent(id, type, Instant.ofEpochSecond(occurred), content);
    }

    public JSONObject subscription() {
        return content.optJSONObject("subscription");
    }

    public JSONObject customer() {
        return content.optJSONObject("customer");
    }

    /** The customer the event is about, from whichever resource carries it. */
    public String customerId() {
        JSONObject c = customer();
        if (c != null && !c.optString("id", "").isEmpty()) {
            return c.optString("id");
        }
        for (String resource : new String[] {"subscription", "transaction", "invoice"}) {
            JSONObject r = content.optJSONObject(resource);
            if (r != null && !r.optString("customer_id", "").isEmpty()) {
                return r.optString("customer_id");
            }
        }
        return null;
    }

    /**
     * Orders payment events of one organization. occurred_at has whole seconds only; a failure and a
     * success can share one, so the transaction's resource_version (milliseconds) breaks the tie when it
     * falls inside that second.
     */
    public Instant paymentOrderingInstant() {
        JSONObject txn = content.optJSONObject("transaction");
        if (txn != null) {
            long rv = txn.optLong("resource_version", -1);
            if (rv >= 0 && rv / 1000 == occurredAt.getEpochSecond()) {
                return Instant.ofEpochMilli(rv);
            }
        }
        return occurredAt;
    }
}
