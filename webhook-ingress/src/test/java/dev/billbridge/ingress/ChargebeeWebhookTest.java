package dev.billbridge.ingress;

import static dev.billbridge.ingress.ScalekitWebhookTest.expectError;
import static dev.billbridge.ingress.Signing.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ChargebeeWebhookTest {

    /** The test profile's credentials (application.properties): the password contains colons. */
    static final String USER = "chargebee-hook";
    static final String PASSWORD = "s3cret:with:colons";

    static String eventId() {
        return "ev_" + UUID.randomUUID().toString().replace("-", "");
    }

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    static ValidatableResponse post(String authorization, String body) {
        var req = given().contentType("application/json");
        if (authorization != null) {
            req = req.header("Authorization", authorization);
        }
        return req.body(utf8(body)).when().post("/webhooks/chargebee").then();
    }

    static String subscriptionEvent(String id, String customerId, String subscriptionId) {
        String customer = customerId == null ? "" : ",\"customer\":{\"id\":\"" + customerId + "\",\"company\":\"Société Générale\"}";
        String subCustomer = customerId == null ? "" : ",\"customer_id\":\"" + customerId + "\"";
        return "{\"id\":\"" + id + "\",\"occurred_at\":1763633730,\"source\":\"api\",\"object\":\"event\",\"api_version\":\"v2\","
                + "\"event_type\":\"subscription_created\",\"webhook_status\":\"scheduled\","
                + "\"content\":{\"subscription\":{\"id\":\"" + subscriptionId + "\"" + subCustomer
                + ",\"status\":\"in_trial\",\"resource_version\":1763633730123}" + customer + "}}";
    }

    @Test
    void authenticatedEventLandsByteIdenticalKeyedByCustomer() {
        String id = eventId();
        String customer = "org_" + UUID.randomUUID();
        String body = subscriptionEvent(id, customer, "sub_" + UUID.randomUUID());
        post(basic(USER + ":" + PASSWORD), body).statusCode(200).body("id", equalTo(id));

        List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.CHARGEBEE_EVENTS, List.of(id));
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertArrayEquals(utf8(body), r.value());
        assertEquals(customer, r.key());
        assertEquals("subscription_created", TopicProbe.header(r, EventHeaders.EVENT_TYPE));
        assertEquals(EventHeaders.SOURCE_CHARGEBEE, TopicProbe.header(r, EventHeaders.SOURCE));
        assertTrue(TopicProbe.header(r, EventHeaders.RECEIVED_AT) != null);
        assertNull(r.headers().lastHeader(EventHeaders.WEBHOOK_SIGNATURE));
    }

    @Test
    void keyFallsBackToSubscriptionIdThenCustomerIdOfOtherResources() {
        String idSub = eventId();
        String sub = "sub_" + UUID.randomUUID();
        post(basic(USER + ":" + PASSWORD), subscriptionEvent(idSub, null, sub)).statusCode(200);

        String idInvoice = eventId();
        String cust = "cust_" + UUID.randomUUID();
        String invoice = "{\"id\":\"" + idInvoice + "\",\"api_version\":\"v2\",\"event_type\":\"invoice_generated\","
                + "\"content\":{\"invoice\":{\"id\":\"inv_1\",\"customer_id\":\"" + cust + "\",\"subscription_id\":\"sub_x\"}}}";
        post(basic(USER + ":" + PASSWORD), invoice).statusCode(200);

        List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.CHARGEBEE_EVENTS, List.of(idSub, idInvoice));
        assertEquals(2, records.size());
        for (ConsumerRecord<String, byte[]> r : records) {
            String eid = TopicProbe.header(r, EventHeaders.EVENT_ID);
            assertEquals(eid.equals(idSub) ? sub : cust, r.key());
        }
    }

    @Test
    void basicAuthEdgeCasesAndInvalidBodiesPublishNothing() {
        List<String> ids = new ArrayList<>();
        String body = subscriptionEvent(track(ids), "cust_1", "sub_1");

        unauthorized(post(null, body), "missing_credentials");
        unauthorized(post("", body), "missing_credentials");
        unauthorized(post("Bearer " + PASSWORD, body), "missing_credentials");
        unauthorized(post(basic(USER + ":wrong"), body), "invalid_credentials");
        unauthorized(post(basic("someone:" + PASSWORD), body), "invalid_credentials");
        // split on the FIRST colon: "chargebee-hook:s3cret" + ":with:colons" must not pass as user/password
        unauthorized(post(basic(USER + ":s3cret"), body), "invalid_credentials");
        unauthorized(post(basic(USER + ":" + PASSWORD + ":"), body), "invalid_credentials");
        unauthorized(post(basic(USER + "-no-colon-at-all"), body), "malformed_credentials");
        unauthorized(post("Basic %%%not-base64", body), "malformed_credentials");
        unauthorized(post(basic(USER + ":"), body), "invalid_credentials");

        String ok = basic(USER + ":" + PASSWORD);
        // scheme names are case-insensitive (RFC 7235)
        String lower = "basic " + ok.substring("Basic ".length());
        String idLower = eventId();
        post(lower, subscriptionEvent(idLower, "cust_l", "sub_l")).statusCode(200);

        expectError(post(ok, "{\"id\":\"" + track(ids) + "\",\"api_version\":\"v2\"}"), 400, "invalid_event");
        expectError(post(ok, "{\"id\":\"" + track(ids) + "\",\"event_type\":\"customer_created\"}"), 400, "invalid_event");
        expectError(post(ok, "{\"event_type\":\"customer_created\",\"api_version\":\"v2\",\"x\":\"" + track(ids) + "\"}"), 400, "invalid_event");
        expectError(post(ok, "<xml>" + track(ids) + "</xml>"), 400, "invalid_event");
        expectError(post(ok, "\"" + track(ids) + "\""), 400, "invalid_event");

        given().contentType("text/plain").header("Authorization", ok)
                .body(utf8(subscriptionEvent(track(ids), "cust_f", "sub_f")))
                .when().post("/webhooks/chargebee").then().statusCode(415).body("error", equalTo("unsupported_media_type"));
        expectError(post(ok, ScalekitWebhookTest.padTo(subscriptionEvent(track(ids), "cust_b", "sub_b"), 2 * 1024 * 1024)),
                413, "payload_too_large");

        for (ConsumerRecord<String, byte[]> r : TopicProbe.readToEnd(Topics.CHARGEBEE_EVENTS)) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            ids.forEach(i -> assertTrue(!value.contains(i), "a rejected body was published: " + i));
        }
        assertEquals(1, TopicProbe.withEventIds(Topics.CHARGEBEE_EVENTS, List.of(idLower)).size());
    }

    private static void unauthorized(ValidatableResponse r, String error) {
        expectError(r, 401, error);
        r.header("WWW-Authenticate", startsWith("Basic realm="));
    }

    private static String track(List<String> ids) {
        String id = eventId();
        ids.add(id);
        return id;
    }
}
