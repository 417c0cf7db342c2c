package dev.billbridge.sync.apply;

import java.io.IOException;
import java.time.Instant;

import com.chargebee.org.json.JSONArray;
import com.chargebee.org.json.JSONException;
import com.chargebee.org.json.JSONObject;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * One Chargebee webhook body as the ingress stored it, plus where it came from (for dead letters).
 *
 * @param id         Chargebee's event id: the deduplication key
 * @param type       event_type, e.g. {@code subscription_changed}
 * @param occurredAt occurred_at (unix seconds)
 * @param content    the event's content object (subscription, customer, transaction, invoice ...)
 */
public record ChargebeeEvent(String id, String type, Instant occurredAt, JSONObject content) {

    private static final JsonFactory JSON = new JsonFactory();

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
            ev = readObject(body);
        } catch (IOException | JSONException e) {
            // only where it failed: the parser's own message may quote the body
            throw new Malformed("not a JSON object: " + e.getClass().getSimpleName()
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                            ? " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr()
                            : ""));
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

    /**
     * The body as org.json objects (what the Chargebee SDK and {@code ReconcileSubscription} read),
     * built from Jackson's streaming parser: several times cheaper than org.json's own tokenizer.
     * Scalars are converted exactly as org.json's parser does ({@link JSONObject#stringToValue}),
     * and a repeated key is an error, as there.
     */
    static JSONObject readObject(String body) throws IOException {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JSONException("a JSON object must begin with '{'");
            }
            return object(p);
        }
    }

    private static JSONObject object(JsonParser p) throws IOException {
        JSONObject o = new JSONObject();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            o.putOnce(name, value(p, p.nextToken()));
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new JSONException("unterminated object");
        }
        return o;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw new JSONException("unexpected end of input");
        }
        return switch (t) {
            case START_OBJECT -> object(p);
            case START_ARRAY -> {
                JSONArray a = new JSONArray();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
                    a.put(value(p, x));
                }
                yield a;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> JSONObject.NULL;
            // org.json's own conversion parses every integer through a BigInteger; Jackson already
            // knows the smallest type that holds it, which is the one org.json picks (Integer, Long,
            // BigInteger). "-0" is the exception: org.json makes it a Double.
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> p.getTextLength() == 2 && "-0".equals(p.getText()) ? JSONObject.stringToValue("-0")
                        : Integer.valueOf(p.getIntValue());
                case LONG -> Long.valueOf(p.getLongValue());
                default -> JSONObject.stringToValue(p.getText());
            };
            case VALUE_NUMBER_FLOAT -> JSONObject.stringToValue(p.getText());
            default -> throw new JSONException("unexpected token " + t);
        };
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
