package dev.billbridge.sandbox.chargebee;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.Event;
import com.chargebee.models.HostedPage;
import com.chargebee.models.Subscription;
import com.chargebee.models.Transaction;
import com.chargebee.models.enums.EventType;
import com.chargebee.models.enums.PauseOption;
import com.chargebee.models.enums.ResumeOption;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Time-driven behaviour: trials, renewals, end-of-term cancellations, dunning, pauses, future starts. */
class ChargebeeLifecycleTest {

    ChargebeeSimulator sim;
    Environment env;

    @BeforeEach
    void start() {
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        env = Sdk.env(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    String subscribe(String orgId, String priceId) throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, priceId).customerId(orgId)
                .redirectUrl("https://app.test/ok").request(env).hostedPage();
        sim.completeCheckout(hp.id());
        return HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
    }

    Subscription sub(String id) throws Exception {
        return Subscription.retrieve(id).request(env).subscription();
    }

    List<String> typesSince(int from) {
        List<ObjectNode> evs = sim.eventNodes();
        return evs.subList(from, evs.size()).stream().map(e -> e.get("event_type").asText()).toList();
    }

    @Test
    void trialEndsIntoActiveWithActivationAndPayment() throws Exception {
        String id = subscribe("org_trial", "starter-USD-monthly");
        Subscription trial = sub(id);
        assertEquals(Subscription.Status.IN_TRIAL, trial.status());
        int mark = sim.eventNodes().size();

        sim.advanceClock(Duration.ofDays(13));
        assertEquals(Subscription.Status.IN_TRIAL, sub(id).status(), "still inside the 14 days");
        sim.advanceClock(Duration.ofDays(2));

        Subscription active = sub(id);
        assertEquals(Subscription.Status.ACTIVE, active.status());
        assertEquals(trial.trialEnd(), active.activatedAt());
        assertEquals(trial.trialEnd(), active.currentTermStart());
        assertTrue(active.resourceVersion() > trial.resourceVersion());
        assertEquals(List.of("subscription_activated", "payment_succeeded"), typesSince(mark));
        ObjectNode activated = sim.eventNodes().get(mark);
        assertEquals(trial.trialEnd().getTime() / 1000, activated.get("occurred_at").asLong(),
                "the event happens at the trial end, not at the time of the clock advance");
    }

    @Test
    void renewalMovesTheTermAndCharges() throws Exception {
        String id = subscribe("org_renew", "pro-USD-monthly");
        Subscription before = sub(id);
        int mark = sim.eventNodes().size();
        sim.advanceClock(Duration.ofDays(65));
        Subscription after = sub(id);
        assertEquals(Subscription.Status.ACTIVE, after.status());
        assertEquals(List.of("subscription_renewed", "payment_succeeded", "subscription_renewed",
                "payment_succeeded"), typesSince(mark), "two monthly renewals in 65 days, in time order");
        assertNotEquals(before.currentTermEnd(), after.currentTermEnd());
        Event paid = new Event(sim.events().get(mark + 1));
        assertEquals(4900L, paid.content().transaction().amount());
        assertEquals(Transaction.Status.SUCCESS, paid.content().transaction().status());
    }

    @Test
    void nonRenewingBecomesCancelledAtTermEnd() throws Exception {
        String id = subscribe("org_eot", "pro-USD-monthly");
        Subscription scheduled = Subscription.cancelForItems(id).endOfTerm(true).request(env).subscription();
        int mark = sim.eventNodes().size();
        sim.advanceClock(Duration.ofDays(20));
        assertEquals(Subscription.Status.NON_RENEWING, sub(id).status());
        sim.advanceClock(Duration.ofDays(12));
        Subscription cancelled = sub(id);
        assertEquals(Subscription.Status.CANCELLED, cancelled.status());
        assertEquals(scheduled.currentTermEnd(), cancelled.cancelledAt());
        assertEquals(List.of("subscription_cancelled"), typesSince(mark), "no renewal, no charge");
    }

    @Test
    void failedPaymentEntersDunningThenARetrySucceeds() throws Exception {
        String id = subscribe("org_dun", "pro-USD-monthly");
        sim.failNextPayment("org_dun");
        int mark = sim.eventNodes().size();
        sim.advanceClock(Duration.ofDays(31));
        assertEquals(List.of("subscription_renewed", "payment_failed"), typesSince(mark));
        Subscription dunning = sub(id);
        assertEquals(Subscription.Status.ACTIVE, dunning.status(), "stays active while in dunning");
        assertEquals(1, dunning.dueInvoicesCount());
        assertEquals(4900L, dunning.totalDues());
        Event failed = new Event(sim.events().get(sim.events().size() - 1));
        assertEquals(Transaction.Status.FAILURE, failed.content().transaction().status());

        sim.advanceClock(Duration.ofDays(3));
        assertEquals(List.of("subscription_renewed", "payment_failed", "payment_succeeded"), typesSince(mark));
        Subscription recovered = sub(id);
        assertEquals(0, recovered.dueInvoicesCount());
        assertNull(recovered.totalDues());
    }

    @Test
    void exhaustedDunningCancelsTheSubscription() throws Exception {
        String id = subscribe("org_unpaid", "pro-USD-monthly");
        sim.failNextPayments("org_unpaid", 1 + SiteState.DUNNING_RETRIES);
        int mark = sim.eventNodes().size();
        sim.advanceClock(Duration.ofDays(31 + 3 * SiteState.DUNNING_RETRIES));
        List<String> types = typesSince(mark);
        assertEquals("subscription_cancelled", types.get(types.size() - 1), types.toString());
        assertEquals(1 + SiteState.DUNNING_RETRIES, types.stream().filter("payment_failed"::equals).count());
        assertEquals(Subscription.Status.CANCELLED, sub(id).status());
        assertEquals(Subscription.CancelReason.NOT_PAID, sub(id).cancelReason());
    }

    @Test
    void pauseAndResume() throws Exception {
        String id = subscribe("org_pause", "pro-USD-monthly");
        Subscription paused = Subscription.pause(id).pauseOption(PauseOption.IMMEDIATELY).request(env).subscription();
        assertEquals(Subscription.Status.PAUSED, paused.status());
        sim.advanceClock(Duration.ofDays(40));
        assertEquals(Subscription.Status.PAUSED, sub(id).status(), "a paused subscription does not renew");
        int mark = sim.eventNodes().size();
        Subscription resumed = Subscription.resume(id).resumeOption(ResumeOption.IMMEDIATELY).request(env)
                .subscription();
        assertEquals(Subscription.Status.ACTIVE, resumed.status());
        assertEquals(List.of("subscription_resumed", "payment_succeeded"), typesSince(mark));
    }

    @Test
    void futureStartDateStartsOnTime() throws Exception {
        long start = sim.now().plus(Duration.ofDays(5)).getEpochSecond();
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .customerId("org_future").subscriptionStartDate(new Timestamp(start * 1000)).request(env)
                .hostedPage();
        sim.completeCheckout(hp.id());
        String id = HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
        assertEquals(Subscription.Status.FUTURE, sub(id).status());
        int mark = sim.eventNodes().size();
        sim.advanceClock(Duration.ofDays(6));
        assertEquals(Subscription.Status.ACTIVE, sub(id).status());
        assertEquals(start, sub(id).startedAt().getTime() / 1000);
        assertEquals(List.of("subscription_started", "payment_succeeded"), typesSince(mark));
    }

    /** Produces every event type the product cares about and parses each with the real SDK. */
    @Test
    void everyEmittedEventParsesWithTheSdk() throws Exception {
        Customer.create().id("org_tour").company("Tour").metaData(new com.chargebee.org.json.JSONObject(
                "{\"scalekit_org\":\"org_tour\"}")).request(env);
        Customer.update("org_tour").company("Tour Inc").request(env);
        String trial = subscribe("org_tour", "starter-USD-monthly");
        String pro = subscribe("org_tour", "pro-USD-monthly");
        HostedPage change = HostedPage.checkoutExistingForItems().subscriptionId(pro)
                .subscriptionItemItemPriceId(0, "pro-USD-monthly").subscriptionItemQuantity(0, 2)
                .replaceItemsList(true).request(env).hostedPage();
        sim.completeCheckout(change.id());
        sim.failNextPayment("org_tour");
        sim.advanceClock(Duration.ofDays(15)); // trial -> active: activated + payment_failed
        sim.advanceClock(Duration.ofDays(17)); // pro renews; dunning retry succeeds
        Subscription.pause(pro).pauseOption(PauseOption.IMMEDIATELY).request(env);
        Subscription.resume(pro).resumeOption(ResumeOption.IMMEDIATELY).request(env);
        Subscription.cancelForItems(pro).endOfTerm(true).request(env);
        Subscription.cancelForItems(trial).endOfTerm(false).request(env);
        long start = sim.now().plus(Duration.ofDays(1)).getEpochSecond();
        HostedPage future = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "pro-USD-yearly")
                .customerId("org_tour2").subscriptionStartDate(new Timestamp(start * 1000)).request(env).hostedPage();
        sim.completeCheckout(future.id());
        sim.advanceClock(Duration.ofDays(2));
        Customer.delete("org_tour2").request(env);

        Set<String> seen = new TreeSet<>();
        long lastRv = 0;
        for (String json : sim.events()) {
            Event e = new Event(json);
            assertNotNull(e.id());
            assertNotNull(e.occurredAt());
            assertNotNull(e.source());
            assertNotEquals(EventType._UNKNOWN, e.eventType(), json);
            assertEquals(Event.WebhookStatus.SCHEDULED, e.webhookStatus());
            Event.Content c = e.content();
            if (c.jsonObj().has("subscription")) {
                Subscription s = c.subscription();
                assertNotNull(s.id());
                assertNotNull(s.customerId());
                assertNotNull(s.status());
                assertNotNull(s.currencyCode());
                assertNotNull(s.deleted());
                assertNotNull(s.resourceVersion());
                s.subscriptionItems().forEach(i -> {
                    assertNotNull(i.itemPriceId());
                    assertNotNull(i.itemType());
                });
            }
            if (c.jsonObj().has("customer")) {
                Customer cu = c.customer();
                assertNotNull(cu.autoCollection());
                assertNotNull(cu.netTermDays());
                assertNotNull(cu.allowDirectDebit());
                assertNotNull(cu.createdAt());
                assertNotNull(cu.unbilledCharges());
                assertNotNull(cu.refundableCredits());
                assertNotNull(cu.excessPayments());
                assertNotNull(cu.promotionalCredits());
                assertNotNull(cu.deleted());
                assertNotNull(cu.resourceVersion());
            }
            if (c.jsonObj().has("transaction")) {
                assertNotNull(c.transaction().amount());
                assertNotNull(c.transaction().paymentMethod());
                assertNotNull(c.invoice().status());
                assertNotNull(c.invoice().termFinalized());
            }
            seen.add(e.eventType().name().toLowerCase());
        }
        assertTrue(seen.containsAll(Set.of("subscription_created", "subscription_activated", "subscription_started",
                "subscription_changed", "subscription_renewed", "subscription_cancellation_scheduled",
                "subscription_cancelled", "subscription_paused", "subscription_resumed", "customer_created",
                "customer_changed", "customer_deleted", "payment_failed", "payment_succeeded")), seen.toString());
        Customer first = new Event(sim.events().get(0)).content().customer();
        assertEquals("org_tour", first.metaData().getString("scalekit_org"), "meta_data is a JSON object");
    }
}
