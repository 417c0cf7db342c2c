package dev.billbridge.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import dev.billbridge.sandbox.scalekit.WebhookEvent;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The sandbox's senders (built from the providers' SDK behaviour) deliver to the ingress end to end. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class SimulatorInteropTest {

    @TestHTTPResource("/webhooks/scalekit")
    URI scalekitUrl;

    @TestHTTPResource("/webhooks/chargebee")
    URI chargebeeUrl;

    @Test
    void scalekitSimulatorEventsAreAcceptedAndPublishedUnchanged() {
        try (ScalekitSimulator sim = ScalekitSimulator.start(ScalekitSimulator.Options.defaults()
                .webhookSecret(Signing.SECRET_NEW).webhookUrl(scalekitUrl.toString()))) {
            WebhookEvent created = sim.createOrganization("Interop Ærø GmbH");
            assertTrue(sim.awaitWebhooksIdle(Duration.ofSeconds(30)));
            assertTrue(sim.deliveryAttempts().stream().allMatch(a -> a.succeeded()), sim.deliveryAttempts().toString());

            List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.SCALEKIT_EVENTS, List.of(created.id()));
            assertEquals(1, records.size());
            assertEquals(created.organizationId(), records.get(0).key());
            assertArrayEquals(created.payload().getBytes(StandardCharsets.UTF_8), records.get(0).value());
        }
    }

    @Test
    void chargebeeSimulatorEventsAreAcceptedKeyedByCustomer() throws Exception {
        try (ChargebeeSimulator sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().port(0)
                .rateLimitPerMinute(0)
                .webhook(chargebeeUrl.toString(), ChargebeeWebhookTest.USER, ChargebeeWebhookTest.PASSWORD))) {
            String customer = "org_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
            String form = "id=" + customer + "&company=" + URLEncoder.encode("Interop Ltd", StandardCharsets.UTF_8);
            HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(sim.apiBaseUrl() + "/customers"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((sim.apiKey() + ":").getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            assertTrue(sim.awaitWebhooksIdle(Duration.ofSeconds(30)));
            assertTrue(sim.deliveryAttempts().stream().allMatch(a -> a.succeeded()), sim.deliveryAttempts().toString());

            List<String> ids = sim.eventNodes().stream().map(n -> n.get("id").asText()).toList();
            assertFalse(ids.isEmpty());
            List<ConsumerRecord<String, byte[]>> records = TopicProbe.withEventIds(Topics.CHARGEBEE_EVENTS, ids);
            assertEquals(ids.size(), records.size());
            for (ConsumerRecord<String, byte[]> r : records) {
                assertEquals(customer, r.key());
                ObjectNode node = sim.eventNodes().stream()
                        .filter(n -> n.get("id").asText().equals(TopicProbe.header(r, EventHeaders.EVENT_ID))).findFirst().orElseThrow();
                assertEquals(node.get("event_type").asText(), TopicProbe.header(r, EventHeaders.EVENT_TYPE));
            }
        }
    }
}
