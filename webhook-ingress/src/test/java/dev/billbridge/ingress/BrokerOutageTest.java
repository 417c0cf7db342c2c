package dev.billbridge.ingress;

import static dev.billbridge.ingress.Signing.SECRET_OLD;
import static dev.billbridge.ingress.Signing.now;
import static dev.billbridge.ingress.Signing.sign;
import static dev.billbridge.ingress.Signing.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.LocalInfra;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * With the broker down no request may be answered 2xx; the sender's retries (same signed request,
 * as Scalekit and Chargebee retry) land once it is back, and none of the events is lost.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class BrokerOutageTest {

    /** A sender with a retry loop: the exact same request, again, until 2xx or its deadline. */
    record Delivery(String id, String msgId, long ts, String body) {
        Response send() {
            return given().contentType("application/json")
                    .header("webhook-id", msgId).header("webhook-timestamp", Long.toString(ts))
                    .header("webhook-signature", sign(SECRET_OLD, msgId, ts, body))
                    .body(utf8(body)).when().post("/webhooks/scalekit");
        }
    }

    @Test
    void brokerDownAnswers503AndRetriesLandOnceItIsBack() {
        LocalInfra infra = LocalInfra.get();
        Assumptions.assumeTrue(infra.controllable(), "infrastructure reused from the environment cannot be stopped");

        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = ScalekitWebhookTest.eventId();
            deliveries.add(new Delivery(id, "msg_" + id, now(), ScalekitWebhookTest.orgEvent(id, "org_outage_" + i)));
        }
        double unavailableBefore = ScalekitWebhookTest.counter("scalekit", "unavailable");

        infra.stopKafka();
        try {
            for (Delivery d : deliveries) {
                d.send().then().statusCode(503)
                        .header("Retry-After", equalTo("5"))
                        .body("error", equalTo("unavailable"));
            }
        } finally {
            infra.startKafka();
        }
        assertEquals(unavailableBefore + deliveries.size(), ScalekitWebhookTest.counter("scalekit", "unavailable"));

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Integer> lastStatus = new HashMap<>();
        for (Delivery d : deliveries) {
            while (true) {
                int status = d.send().statusCode();
                lastStatus.put(d.id(), status);
                if (status == 200) {
                    break;
                }
                if (status != 503 || System.nanoTime() > deadline) {
                    fail("retry of " + d.id() + " answered " + status);
                }
            }
        }

        List<String> ids = deliveries.stream().map(Delivery::id).toList();
        List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, ids);
        for (Delivery d : deliveries) {
            // at least once: a record whose 503 came before a late ack may be there twice; never zero
            List<ConsumerRecord<String, byte[]>> mine = records.stream()
                    .filter(r -> d.id().equals(TopicProbe.header(r, EventHeaders.EVENT_ID))).toList();
            if (mine.isEmpty()) {
                fail("event " + d.id() + " was lost");
            }
            mine.forEach(r -> assertArrayEquals(utf8(d.body()), r.value()));
        }
    }
}
