package dev.billbridge.provisioning;

import static dev.billbridge.provisioning.support.Checks.customer;
import static dev.billbridge.provisioning.support.Checks.customersCreated;
import static dev.billbridge.provisioning.support.Checks.org;
import static dev.billbridge.provisioning.support.Checks.processed;
import static dev.billbridge.provisioning.support.Checks.sim;
import static dev.billbridge.provisioning.support.Checks.successfulCreates;
import static dev.billbridge.provisioning.support.Scalekit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import com.chargebee.models.HostedPage;
import com.chargebee.models.Subscription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.billing.ProvisionCustomer;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.events.CustomerCreated;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.OrganizationDeleted;
import dev.billbridge.core.events.Topics;
import dev.billbridge.provisioning.messaging.DeadLetters;
import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.provisioning.support.RecordingObserver;
import dev.billbridge.provisioning.support.Scalekit;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The worker end to end: real broker, real Postgres, the Chargebee simulator, real Kafka records. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
class ProvisioningTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    ProvisionCustomer provisionCustomer;
    @Inject
    ChargebeeGateway gateway;
    @Inject
    ObjectMapper mapper;
    @ConfigProperty(name = "chargebee.api-base-url")
    String configuredBaseUrl;

    @AfterEach
    void clearFaults() {
        sim().clearFaults();
    }

    @Test
    void theWorkerTalksToThisJvmsSimulator() {
        assertEquals(sim().apiBaseUrl(), configuredBaseUrl);
    }

    @Test
    void createdMakesTheCustomerTheRowAndTheLifecycleRecordAndFiresTheCdiEvent() throws Exception {
        String org = Scalekit.newOrgId();
        Instant at = Instant.now();
        String evt = Scalekit.send("organization.created", org, "Acme", at);

        await(WAIT, "organization linked", () -> org(org) != null && org.equals(org(org).chargebeeCustomerId));

        Organization row = org(org);
        assertEquals("Acme", row.displayName);
        assertEquals(at.truncatedTo(ChronoUnit.MICROS), row.lastEventAt);
        assertNull(row.deletedAt);
        assertEquals(1, processed(evt));
        JsonNode c = customer(org);
        assertEquals("Acme", c.path("company").asText());
        assertEquals(org, c.path("meta_data").path("organizationId").asText());
        assertEquals("organization", c.path("meta_data").path("customerType").asText());
        assertTrue(sim().requestLog().stream().anyMatch(r -> org.equals(r.params().get("id")) && evt.equals(r.idempotencyKey())),
                "the event id is the idempotency key of the create");

        JsonNode life = awaitLifecycle(org, "customer.created");
        assertEquals("customer.created:" + evt, life.path("id").asText());
        assertEquals(org, life.path("organizationId").asText());
        assertEquals(evt, life.path("causeEventId").asText());
        assertEquals(org, life.path("data").path("customerId").asText());
        assertEquals("Acme", life.path("data").path("displayName").asText());
        assertEquals(at.truncatedTo(ChronoUnit.MICROS), Instant.parse(life.path("occurredAt").asText()));

        CustomerCreated cdi = RecordingObserver.CREATED.stream().filter(e -> e.organizationId().equals(org)).findFirst().orElseThrow();
        assertEquals(org, cdi.customerId());
        assertEquals(evt, cdi.causeEventId());
    }

    @Test
    void updatedRenamesLocallyAndInChargebee() {
        String org = Scalekit.newOrgId();
        Instant t0 = Instant.now();
        Scalekit.send("organization.created", org, "Acme", t0);
        String upd = Scalekit.send("organization.updated", org, "Acme Inc", t0.plusSeconds(5));

        await(WAIT, "update applied", () -> processed(upd) == 1);
        assertEquals("Acme Inc", org(org).displayName);
        assertEquals("Acme Inc", customer(org).path("company").asText());
        assertEquals(1, customersCreated(org));
    }

    @Test
    void anOlderUpdateDoesNotOverwriteANewerName() {
        String org = Scalekit.newOrgId();
        Instant t0 = Instant.now();
        Scalekit.send("organization.created", org, "First", t0);
        Scalekit.send("organization.updated", org, "Newest", t0.plusSeconds(10));
        String late = Scalekit.send("organization.updated", org, "Older", t0.plusSeconds(5));

        await(WAIT, "late update recorded", () -> processed(late) == 1);
        assertEquals("Newest", org(org).displayName);
        assertEquals("Newest", customer(org).path("company").asText());
    }

    @Test
    void anUpdateForAMissedOrganizationCreatesItsCustomer() throws Exception {
        String org = Scalekit.newOrgId();
        String upd = Scalekit.send("organization.updated", org, "Missed Co", Instant.now());

        await(WAIT, "update applied", () -> processed(upd) == 1);
        assertEquals(org, org(org).chargebeeCustomerId);
        assertEquals("Missed Co", customer(org).path("company").asText());
        assertEquals("organization", customer(org).path("meta_data").path("customerType").asText());
        assertEquals("customer.created:" + upd, awaitLifecycle(org, "customer.created").path("id").asText());
    }

    @Test
    void deletedCancelsLiveSubscriptionsMarksTheOrganizationAndDropsLiveRows() throws Exception {
        String org = Scalekit.newOrgId();
        Instant t0 = Instant.now();
        Scalekit.send("organization.created", org, "Doomed", t0);
        await(WAIT, "linked", () -> org(org) != null && org(org).chargebeeCustomerId != null);
        // a paid subscription in Chargebee, and its local rows: one live, one historical
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 2).customerId(org).redirectUrl("https://app.example/ok").request(gateway.env()).hostedPage();
        sim().completeCheckout(hp.id());
        String subId = Subscription.list().customerId().is(org).request(gateway.env()).get(0).subscription().id();
        QuarkusTransaction.requiringNew().run(() -> {
            dev.billbridge.core.domain.Subscription live = new dev.billbridge.core.domain.Subscription();
            live.referenceId = org;
            live.chargebeeCustomerId = org;
            live.chargebeeSubscriptionId = subId;
            live.status = "active";
            live.persist();
            dev.billbridge.core.domain.Subscription old = new dev.billbridge.core.domain.Subscription();
            old.referenceId = org;
            old.status = "cancelled";
            old.persist();
        });

        Instant deletedAt = t0.plusSeconds(30);
        String del = Scalekit.send("organization.deleted", org, "Doomed", deletedAt);

        await(WAIT, "deleted", () -> processed(del) == 1);
        assertEquals(deletedAt.truncatedTo(ChronoUnit.MICROS), org(org).deletedAt);
        assertEquals(Subscription.Status.CANCELLED, Subscription.retrieve(subId).request(gateway.env()).subscription().status());
        assertTrue(sim().requestLog().stream().anyMatch(r -> r.path().endsWith("/subscriptions/" + subId + "/cancel_for_items")
                && (del + ":cancel:" + subId).equals(r.idempotencyKey())));
        List<String> left = QuarkusTransaction.requiringNew().call(() -> dev.billbridge.core.domain.Subscription
                .<dev.billbridge.core.domain.Subscription>list("referenceId", org).stream().map(s -> s.status).toList());
        assertEquals(List.of("cancelled"), left, "live rows removed, history kept");

        JsonNode life = awaitLifecycle(org, "organization.deleted");
        assertEquals("organization.deleted:" + del, life.path("id").asText());
        assertEquals(deletedAt.truncatedTo(ChronoUnit.MICROS), Instant.parse(life.path("data").path("deletedAt").asText()));
        OrganizationDeleted cdi = RecordingObserver.DELETED.stream().filter(e -> e.organizationId().equals(org)).findFirst().orElseThrow();
        assertEquals(List.of(subId), cdi.cancelledSubscriptionIds());
    }

    @Test
    void theSameEventThreeTimesGivesOneCustomerAndOneRow() {
        String org = Scalekit.newOrgId();
        String evt = Scalekit.newEventId();
        Instant at = Instant.now();
        for (int i = 0; i < 3; i++) {
            Scalekit.send(evt, "organization.created", org, "Thrice", at);
        }
        String marker = Scalekit.send("organization.updated", org, "Thrice", at.plusSeconds(1));

        await(WAIT, "all four records consumed", () -> processed(marker) == 1);
        assertEquals(1, processed(evt));
        assertEquals(1, Checks_orgRows(org));
        assertEquals(1, customersCreated(org));
        assertEquals(1, successfulCreates(org));
        assertEquals(1, RecordingObserver.CREATED.stream().filter(e -> e.organizationId().equals(org)).count(),
                "in-process hooks run once");
        // the lifecycle record may be re-published on redelivery, always under the same id
        List<JsonNode> life = lifecycle(org);
        assertFalse(life.isEmpty());
        assertTrue(life.stream().allMatch(n -> n.path("id").asText().equals("customer.created:" + evt)), life.toString());
    }

    @Test
    void aLateCreatedOrUpdatedLeavesADeletedOrganizationDeleted() {
        String org = Scalekit.newOrgId();
        Instant t0 = Instant.now();
        String del = Scalekit.send("organization.deleted", org, "Gone", t0.plusSeconds(10));
        String created = Scalekit.send("organization.created", org, "Gone", t0);
        String updated = Scalekit.send("organization.updated", org, "Zombie", t0.plusSeconds(5));

        await(WAIT, "all consumed", () -> processed(updated) == 1);
        assertEquals(1, processed(del));
        assertEquals(1, processed(created));
        Organization row = org(org);
        assertNotNull(row.deletedAt);
        assertNull(row.chargebeeCustomerId);
        assertNull(customer(org), "no Chargebee customer was created for a deleted organization");
        assertEquals(0, customersCreated(org));
        assertTrue(lifecycle(org).stream().noneMatch(n -> n.path("type").asText().equals("customer.created")));
    }

    @Test
    void aCustomerCreatedFirstByCheckoutIsLinkedNotDuplicated() {
        String org = Scalekit.newOrgId();
        // billing-api's checkout path got there first
        provisionCustomer.ensure(org, "Early Bird", Map.of("source", "checkout"), null);

        String evt = Scalekit.send("organization.created", org, "Early Bird Ltd", Instant.now());

        await(WAIT, "linked", () -> processed(evt) == 1);
        assertEquals(org, org(org).chargebeeCustomerId);
        assertEquals(1, customersCreated(org));
        JsonNode c = customer(org);
        assertEquals("Early Bird Ltd", c.path("company").asText());
        assertEquals("checkout", c.path("meta_data").path("source").asText(), "foreign meta_data kept");
        assertTrue(sim().requestLog().stream().anyMatch(r -> org.equals(r.params().get("id")) && r.status() == 400),
                "the worker's create met duplicate_entry");
        assertEquals("customer.created:" + evt, awaitLifecycle(org, "customer.created").path("id").asText());
    }

    @Test
    void chargebeeRateLimitingForAWhileStillProvisionsEverythingWithNothingInTheDlq() {
        List<String> orgs = List.of(Scalekit.newOrgId(), Scalekit.newOrgId(), Scalekit.newOrgId());
        int before = sim().count429();
        sim().failNext(5, 429);   // each answered with Retry-After: 1
        List<String> evts = orgs.stream().map(o -> Scalekit.send("organization.created", o, "Busy", Instant.now())).toList();

        await(Duration.ofSeconds(60), "all provisioned", () -> evts.stream().allMatch(e -> processed(e) == 1));
        assertTrue(sim().count429() - before >= 5, "the simulator did rate-limit us");
        orgs.forEach(o -> {
            assertEquals(o, org(o).chargebeeCustomerId);
            assertEquals(1, customersCreated(o));
        });
        assertEquals(List.of(), Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, orgs));
    }

    @Test
    void serverErrorsForeverGoToTheDlqWithTheirReasonAndNothingIsLost() {
        String org = Scalekit.newOrgId();
        sim().failNext(10_000, 503);
        Instant at = Instant.now();
        String evt = Scalekit.send("organization.created", org, "Unlucky", at);

        await(WAIT, "dead-lettered", () -> !Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, List.of(org)).isEmpty());
        sim().clearFaults();
        List<ConsumerRecord<String, byte[]>> dlq = Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, List.of(org));
        assertEquals(1, dlq.size());
        ConsumerRecord<String, byte[]> r = dlq.get(0);
        assertEquals("CHARGEBEE_SERVER_ERROR", Scalekit.header(r, DeadLetters.DLQ_KIND));
        assertTrue(Scalekit.header(r, EventHeaders.DLQ_REASON).contains("503"), Scalekit.header(r, EventHeaders.DLQ_REASON));
        assertTrue(Scalekit.header(r, EventHeaders.DLQ_REASON).contains("retries exhausted"));
        assertEquals(Topics.SCALEKIT_EVENTS, Scalekit.header(r, EventHeaders.DLQ_TOPIC));
        assertNotNull(Scalekit.header(r, EventHeaders.DLQ_OFFSET));
        assertEquals(evt, Scalekit.header(r, EventHeaders.EVENT_ID), "original headers kept");
        assertEquals(Scalekit.body(evt, "organization.created", org, "Unlucky", at), Scalekit.value(r), "the untouched body");
        assertEquals(0, processed(evt), "not marked processed");
        assertTrue(sim().requestLog().stream().filter(l -> org.equals(l.params().get("id"))).count() >= 3, "retried before giving up");

        // nothing lost: an operator replays the dead letter once Chargebee is healthy again
        Scalekit.sendRaw(r.key(), r.value(), Scalekit.headers(evt, "organization.created"));
        await(WAIT, "replayed and applied", () -> processed(evt) == 1);
        assertEquals(org, org(org).chargebeeCustomerId);
    }

    @Test
    void otherClientErrorsAndUnreadableRecordsGoToTheDlq() {
        String org = Scalekit.newOrgId();
        sim().failNext(1, 400);
        String evt = Scalekit.send("organization.created", org, "Rejected", Instant.now());
        String junkKey = Scalekit.newOrgId();
        Scalekit.sendRaw(junkKey, "{not json".getBytes(), Scalekit.headers(Scalekit.newEventId(), "organization.created"));

        await(WAIT, "both dead-lettered", () -> Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, List.of(org, junkKey)).size() == 2);
        var dlq = Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, List.of(org, junkKey));
        assertEquals("CHARGEBEE_CLIENT_ERROR", Scalekit.header(dlq.stream().filter(r -> r.key().equals(org)).findFirst().orElseThrow(),
                DeadLetters.DLQ_KIND));
        assertEquals(1, sim().requestLog().stream().filter(l -> org.equals(l.params().get("id"))).count(), "a 4xx is not retried");
        assertEquals("UNREADABLE", Scalekit.header(dlq.stream().filter(r -> r.key().equals(junkKey)).findFirst().orElseThrow(),
                DeadLetters.DLQ_KIND));
        assertEquals(0, processed(evt));
    }

    private static long Checks_orgRows(String org) {
        return dev.billbridge.provisioning.support.Checks.orgRows(List.of(org));
    }

    private JsonNode awaitLifecycle(String org, String type) {
        await(WAIT, type + " on " + Topics.BILLING_LIFECYCLE,
                () -> lifecycle(org).stream().anyMatch(n -> n.path("type").asText().equals(type)));
        return lifecycle(org).stream().filter(n -> n.path("type").asText().equals(type)).findFirst().orElseThrow();
    }

    private List<JsonNode> lifecycle(String org) {
        return Scalekit.read(Topics.BILLING_LIFECYCLE, List.of(org)).stream().map(r -> {
            try {
                return mapper.readTree(r.value());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }
}
