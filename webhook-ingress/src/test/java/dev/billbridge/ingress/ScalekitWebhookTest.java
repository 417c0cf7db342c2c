package dev.billbridge.ingress;

import static dev.billbridge.ingress.Signing.SECRET_NEW;
import static dev.billbridge.ingress.Signing.SECRET_OLD;
import static dev.billbridge.ingress.Signing.SECRET_UNKNOWN;
import static dev.billbridge.ingress.Signing.now;
import static dev.billbridge.ingress.Signing.sign;
import static dev.billbridge.ingress.Signing.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ScalekitWebhookTest {

    static String eventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Non-ASCII on purpose: the record must keep the exact UTF-8 bytes, whitespace and key order. */
    static String orgEvent(String id, String orgId) {
        return "{\"spec_version\":\"1\",\"id\":\"" + id + "\",\"type\":\"organization.created\",\"object\":\"Organization\","
                + "\"occurred_at\":\"2026-11-20T10:15:30.123456789Z\",\"environment_id\":\"env_1\",\"organization_id\":\"" + orgId + "\","
                + "\"display_name\":\"Organization Created\",\n  \"data\":{\"id\":\"" + orgId + "\",\"display_name\":\"Zürich Ärzte ☃ 株式会社\","
                + "\"external_id\":null,\"region_code\":\"US\",\"metadata\":{},\"settings\":{\"features\":[]}}}";
    }

    static ValidatableResponse post(String msgId, String timestamp, String signature, byte[] body) {
        var req = given().contentType("application/json");
        if (msgId != null) {
            req = req.header("webhook-id", msgId);
        }
        if (timestamp != null) {
            req = req.header("webhook-timestamp", timestamp);
        }
        if (signature != null) {
            req = req.header("webhook-signature", signature);
        }
        return req.body(body).when().post("/webhooks/scalekit").then();
    }

    @Test
    void signedEventLandsByteIdenticalWithKeyAndHeaders() {
        String id = eventId();
        String org = "org_" + UUID.randomUUID();
        String body = orgEvent(id, org);
        String msgId = "msg_" + UUID.randomUUID();
        long ts = now();
        String sig = sign(SECRET_OLD, msgId, ts, body);
        Instant before = Instant.now();

        // mixed-case header names: lookup must be case-insensitive
        given().contentType("application/json; charset=UTF-8")
                .header("Webhook-Id", msgId).header("WEBHOOK-TIMESTAMP", Long.toString(ts)).header("webhook-Signature", sig)
                .body(utf8(body))
                .when().post("/webhooks/scalekit")
                .then().statusCode(200).body("id", equalTo(id));

        List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, List.of(id));
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertArrayEquals(utf8(body), r.value());
        assertEquals(org, r.key());
        assertEquals(id, TopicProbe.header(r, EventHeaders.EVENT_ID));
        assertEquals("organization.created", TopicProbe.header(r, EventHeaders.EVENT_TYPE));
        assertEquals(EventHeaders.SOURCE_SCALEKIT, TopicProbe.header(r, EventHeaders.SOURCE));
        assertEquals(msgId, TopicProbe.header(r, EventHeaders.WEBHOOK_ID));
        assertEquals(Long.toString(ts), TopicProbe.header(r, EventHeaders.WEBHOOK_TIMESTAMP));
        assertEquals(sig, TopicProbe.header(r, EventHeaders.WEBHOOK_SIGNATURE));
        Instant receivedAt = Instant.parse(TopicProbe.header(r, EventHeaders.RECEIVED_AT));
        assertTrue(!receivedAt.isBefore(before.minusSeconds(1)) && !receivedAt.isAfter(Instant.now()), receivedAt.toString());
    }

    @Test
    void rotationAcceptsBothSecretsAndAnyOfSeveralSignatures() {
        String idOld = eventId();
        String idNew = eventId();
        String idBoth = eventId();
        String org = "org_rot_" + UUID.randomUUID();
        long ts = now();

        String bodyOld = orgEvent(idOld, org);
        post("msg_1" + idOld, Long.toString(ts), sign(SECRET_OLD, "msg_1" + idOld, ts, bodyOld), utf8(bodyOld)).statusCode(200);

        String bodyNew = orgEvent(idNew, org);
        post("msg_2" + idNew, Long.toString(ts), sign(SECRET_NEW, "msg_2" + idNew, ts, bodyNew), utf8(bodyNew)).statusCode(200);

        // a sender mid-rotation signs with an unknown key and ours, plus a future version we skip
        String bodyBoth = orgEvent(idBoth, org);
        String header = "v2,AAAA " + sign(SECRET_UNKNOWN, "msg_3" + idBoth, ts, bodyBoth) + " "
                + sign(SECRET_NEW, "msg_3" + idBoth, ts, bodyBoth);
        post("msg_3" + idBoth, Long.toString(ts), header, utf8(bodyBoth)).statusCode(200);

        assertEquals(3, TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, List.of(idOld, idNew, idBoth)).size());
    }

    @Test
    void organizationIdFallsBackToDataId() {
        String id = eventId();
        String org = "org_data_" + UUID.randomUUID();
        String body = "{\"id\":\"" + id + "\",\"type\":\"organization.updated\",\"data\":{\"id\":\"" + org + "\"}}";
        long ts = now();
        post("msg_" + id, Long.toString(ts), sign(SECRET_OLD, "msg_" + id, ts, body), utf8(body)).statusCode(200);
        List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, List.of(id));
        assertEquals(1, records.size());
        assertEquals(org, records.get(0).key());
    }

    @Test
    void everyRejectionAnswersJsonAndPublishesNothing() {
        List<String> ids = new ArrayList<>();
        long ts = now();

        // 401: missing headers (each of the three)
        String id = track(ids);
        String body = orgEvent(id, "org_x");
        String sig = sign(SECRET_OLD, "msg_" + id, ts, body);
        expectError(post(null, Long.toString(ts), sig, utf8(body)), 401, "missing_headers");
        expectError(post("msg_" + id, null, sig, utf8(body)), 401, "missing_headers");
        expectError(post("msg_" + id, Long.toString(ts), null, utf8(body)), 401, "missing_headers");

        // 401: wrong secret, tampered body, signature over another id, garbage signature header
        expectError(post("msg_" + id, Long.toString(ts), sign(SECRET_UNKNOWN, "msg_" + id, ts, body), utf8(body)), 401, "invalid_signature");
        expectError(post("msg_" + id, Long.toString(ts), sig, utf8(body.replace("org_x", "org_y"))), 401, "invalid_signature");
        expectError(post("msg_other", Long.toString(ts), sig, utf8(body)), 401, "invalid_signature");
        expectError(post("msg_" + id, Long.toString(ts), "v1,not-base64!!", utf8(body)), 401, "invalid_signature");
        expectError(post("msg_" + id, Long.toString(ts), "garbage", utf8(body)), 401, "malformed_signature");

        // 401: stale, future and malformed timestamps (each correctly signed for its timestamp)
        long stale = now() - 330; // well past 300 s: the test's own clock moves too
        expectError(post("msg_" + id, Long.toString(stale), sign(SECRET_OLD, "msg_" + id, stale, body), utf8(body)), 401, "timestamp_too_old");
        long future = now() + 330;
        expectError(post("msg_" + id, Long.toString(future), sign(SECRET_OLD, "msg_" + id, future, body), utf8(body)), 401, "timestamp_too_new");
        expectError(post("msg_" + id, "12abc", sig, utf8(body)), 401, "malformed_timestamp");
        expectError(post("msg_" + id, "99999999999999999999", sig, utf8(body)), 401, "malformed_timestamp");

        // 400: authentic but not routable
        String notJson = "not json " + track(ids);
        expectError(signedPost(notJson, ts), 400, "invalid_event");
        String array = "[{\"id\":\"" + track(ids) + "\"}]";
        expectError(signedPost(array, ts), 400, "invalid_event");
        String trailing = orgEvent(track(ids), "org_t") + " trailing";
        expectError(signedPost(trailing, ts), 400, "invalid_event");
        String noType = "{\"id\":\"" + track(ids) + "\",\"organization_id\":\"org_1\"}";
        expectError(signedPost(noType, ts), 400, "invalid_event");
        String noId = "{\"type\":\"organization.created\",\"organization_id\":\"org_1\",\"x\":\"" + track(ids) + "\"}";
        expectError(signedPost(noId, ts), 400, "invalid_event");
        String noOrg = "{\"id\":\"" + track(ids) + "\",\"type\":\"organization.created\",\"data\":{}}";
        expectError(signedPost(noOrg, ts), 400, "invalid_event");

        // 415: wrong or missing content type (signed, so only the media type is wrong)
        String idText = track(ids);
        String textBody = orgEvent(idText, "org_z");
        String textSig = sign(SECRET_OLD, "msg_" + idText, ts, textBody);
        given().contentType("text/plain").header("webhook-id", "msg_" + idText).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", textSig).body(utf8(textBody))
                .when().post("/webhooks/scalekit").then().statusCode(415).body("error", equalTo("unsupported_media_type"));
        given().header("webhook-id", "msg_" + idText).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", textSig).body(utf8(textBody))
                .when().post("/webhooks/scalekit").then().statusCode(415);

        // 413: one byte over the 1 MiB default, correctly signed
        String idBig = track(ids);
        String big = padTo(orgEvent(idBig, "org_big"), 1024 * 1024 + 1);
        expectError(signedPost(big, ts), 413, "payload_too_large");

        // by header, and by raw bytes (ids in bodies that never parse would not be in a header)
        for (ConsumerRecord<String, byte[]> r : TopicProbe.readToEnd(Topics.SCALEKIT_EVENTS)) {
            assertTrue(!ids.contains(TopicProbe.header(r, EventHeaders.EVENT_ID)), "a rejected event was published");
            String value = new String(r.value(), java.nio.charset.StandardCharsets.UTF_8);
            ids.forEach(i -> assertTrue(!value.contains(i), "a rejected body was published: " + i));
        }
    }

    @TestHTTPResource("/webhooks/scalekit")
    URI scalekitUrl;

    @Test
    void chunkedBodyOverTheLimitIsRefusedAndNotPublished() throws Exception {
        // no Content-Length: the gate cannot refuse it up front, the read must stop at the limit
        String id = eventId();
        String big = padTo(orgEvent(id, "org_chunked"), 1024 * 1024 + 1);
        String msgId = "msg_" + id;
        long ts = now();
        HttpRequest request = HttpRequest.newBuilder(scalekitUrl)
                .header("Content-Type", "application/json")
                .header("webhook-id", msgId).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", sign(SECRET_OLD, msgId, ts, big))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(utf8(big))))
                .build();
        int status;
        try {
            status = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            status = -1; // the server may close the connection while we are still sending: also a refusal
        }
        assertTrue(status == 413 || status == -1, "status " + status);
        assertTrue(TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, List.of(id)).isEmpty());
    }

    @Test
    void metricsCountOutcomesPerSource() {
        double before = counter("scalekit", "accepted");
        double unauthorizedBefore = counter("scalekit", "unauthorized");
        String id = eventId();
        String body = orgEvent(id, "org_m");
        long ts = now();
        post("msg_" + id, Long.toString(ts), sign(SECRET_OLD, "msg_" + id, ts, body), utf8(body)).statusCode(200);
        post("msg_" + id, Long.toString(ts), sign(SECRET_UNKNOWN, "msg_" + id, ts, body), utf8(body)).statusCode(401);
        assertEquals(before + 1, counter("scalekit", "accepted"));
        assertEquals(unauthorizedBefore + 1, counter("scalekit", "unauthorized"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("billbridge_ingress_webhooks_total{outcome=\"unavailable\",source=\"chargebee\"}"))
                .body(containsString("billbridge_ingress_publish_seconds_count{source=\"scalekit\"}"));
    }

    static double counter(String source, String outcome) {
        String text = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        String prefix = "billbridge_ingress_webhooks_total{outcome=\"" + outcome + "\",source=\"" + source + "\"} ";
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(prefix.length()).trim());
            }
        }
        throw new AssertionError("no metric " + prefix);
    }

    private static ValidatableResponse signedPost(String body, long ts) {
        String msgId = "msg_" + UUID.randomUUID();
        return post(msgId, Long.toString(ts), sign(SECRET_OLD, msgId, ts, body), utf8(body));
    }

    private static String track(List<String> ids) {
        String id = eventId();
        ids.add(id);
        return id;
    }

    static void expectError(ValidatableResponse r, int status, String error) {
        r.statusCode(status).contentType(containsString("application/json"))
                .body("error", equalTo(error)).body("message", notNullValue());
    }

    static String padTo(String json, int size) {
        // grow a string field inside the object so the body stays a valid, signed JSON object
        String head = json.substring(0, json.length() - 1) + ",\"pad\":\"";
        int fill = size - utf8(head).length - 2;
        String out = head + "x".repeat(fill) + "\"}";
        assertEquals(size, utf8(out).length);
        return out;
    }
}
