package dev.billbridge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.core.billing.ReconcileSubscription.Lookup;
import dev.billbridge.core.billing.ReconcileSubscription.Outcome;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The "apply snapshot" rule against real Postgres, fed with the Chargebee simulator's own JSON. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ReconcileSubscriptionTest {

    static ChargebeeSimulator sim;
    static Environment env;

    @Inject
    ReconcileSubscription reconcile;

    @BeforeAll
    static void startSimulator() {
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        env = ChargebeeGateway.environment(sim.site(), sim.apiKey(), sim.apiBaseUrl());
    }

    @AfterAll
    static void stopSimulator() {
        sim.close();
    }

    @Test
    void createsTheRowFromANewSubscriptionAndIgnoresStaleSnapshots() throws Exception {
        String org = newOrgId();
        customer(org, new JSONObject().put("organizationId", org));
        String subId = checkout(org, "starter-USD-monthly");
        JSONObject created = lastEvent(subId, "subscription_created");

        Outcome first = apply(created);
        assertTrue(first.applied());
        assertEquals(Lookup.CREATED, first.lookup());
        assertNull(first.previousStatus());
        assertEquals(SubscriptionStatus.IN_TRIAL, first.newStatus());
        assertTrue(first.trialStarted());
        assertTrue(first.activated());
        assertEquals(org, first.referenceId());

        Subscription row = row(subId);
        assertEquals(org, row.referenceId);
        assertEquals("in_trial", row.status);
        assertEquals("starter-USD-monthly", row.itemPriceId);
        assertEquals(1, row.seats);
        assertNotNull(row.trialEnd);
        assertNotNull(row.periodEnd);
        assertEquals(1, itemCount(row.id));

        // the trial ends: activated with a newer resource_version
        sim.advanceClock(Duration.ofDays(15));
        JSONObject activated = lastEvent(subId, "subscription_activated");
        Outcome second = apply(activated);
        assertTrue(second.applied());
        assertEquals(Lookup.CHARGEBEE_ID, second.lookup());
        assertTrue(second.trialEnded());
        assertFalse(second.activated(), "in_trial -> active keeps the entitlement: not a new activation");
        assertEquals("active", row(subId).status);

        // duplicates and the late created event change nothing
        assertFalse(apply(activated).applied());
        Outcome late = apply(created);
        assertFalse(late.applied());
        assertFalse(late.statusChanged());
        assertEquals(SubscriptionStatus.ACTIVE, late.newStatus());
        assertEquals("active", row(subId).status);
    }

    @Test
    void aLateChangeNeverReactivatesACancelledSubscription() throws Exception {
        String org = newOrgId();
        customer(org, new JSONObject().put("organizationId", org));
        String subId = checkout(org, "pro-USD-monthly");
        com.chargebee.models.Subscription.updateForItems(subId).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 5).request(env);
        JSONObject changed = lastEvent(subId, "subscription_changed");
        com.chargebee.models.Subscription.cancelForItems(subId).endOfTerm(false).request(env);
        JSONObject cancelled = lastEvent(subId, "subscription_cancelled");

        apply(lastEvent(subId, "subscription_created"));
        Outcome c = apply(cancelled);
        assertTrue(c.cancelled());
        Outcome lateChange = apply(changed);
        assertFalse(lateChange.applied());
        Subscription row = row(subId);
        assertEquals("cancelled", row.status);
        assertNotNull(row.canceledAt);
        assertEquals(5, row.seats, "the cancelled snapshot already carried the 5 seats");
    }

    @Test
    void findsThePendingRowBySubscriptionMetaData() throws Exception {
        String org = newOrgId();
        customer(org, new JSONObject().put("organizationId", org));
        UUID pending = pendingRow(org);
        String subId = checkout(org, "pro-USD-monthly");
        // billing-api stamps the local id into the subscription's meta_data
        com.chargebee.models.Subscription.updateForItems(subId)
                .metaData(new JSONObject().put("subscriptionId", pending.toString())).request(env);
        Outcome o = apply(lastEvent(subId, "subscription_changed"));
        assertEquals(Lookup.SUBSCRIPTION_META, o.lookup());
        assertEquals(pending, o.subscriptionId());
        assertEquals(SubscriptionStatus.FUTURE, o.previousStatus());
        assertTrue(o.activated());
        assertEquals("active", row(subId).status);
        assertEquals(pending, row(subId).id);
    }

    @Test
    void findsThePendingRowByTheCustomersPendingSubscriptionId() throws Exception {
        String org = newOrgId();
        UUID pending = pendingRow(org);
        customer(org, new JSONObject().put("organizationId", org).put("pendingSubscriptionId", pending.toString()));
        String subId = checkout(org, "pro-USD-monthly");
        Outcome o = apply(lastEvent(subId, "subscription_created"));
        assertEquals(Lookup.CUSTOMER_PENDING, o.lookup());
        assertEquals(pending, row(subId).id);
    }

    @Test
    void findsTheFutureRowOfTheReferenceResolvedThroughTheLocalOrganization() throws Exception {
        String org = newOrgId();
        // no meta_data at all: the reference comes from organization.chargebee_customer_id
        QuarkusTransaction.requiringNew().run(() -> {
            Organization o = new Organization();
            o.id = org;
            o.chargebeeCustomerId = org;
            o.persist();
        });
        UUID pending = pendingRow(org);
        customer(org, null);
        String subId = checkout(org, "pro-USD-monthly");
        Outcome o = apply(lastEvent(subId, "subscription_created"));
        assertEquals(Lookup.FUTURE_ROW, o.lookup());
        assertEquals(pending, o.subscriptionId());
        assertEquals(org, o.referenceId());
        assertEquals("active", row(subId).status);
    }

    @Test
    void aSnapshotWithoutAnyReferenceIsRejected() throws Exception {
        String org = newOrgId();
        customer(org, null);
        String subId = checkout(org, "pro-USD-monthly");
        JSONObject created = lastEvent(subId, "subscription_created");
        assertThrows(ReconcileSubscription.InvalidSnapshot.class, () -> apply(created));
        assertEquals(0L, QuarkusTransaction.requiringNew().call(() -> Subscription.count("chargebeeSubscriptionId", subId)));
    }

    @Test
    void aNewerLiveSubscriptionTakesTheLiveSlotWhicheverArrivesFirst() throws Exception {
        String org = newOrgId();
        customer(org, new JSONObject().put("organizationId", org));
        String oldSub = checkout(org, "pro-USD-monthly");
        JSONObject oldCreated = lastEvent(oldSub, "subscription_created");
        com.chargebee.models.Subscription.cancelForItems(oldSub).endOfTerm(false).request(env);
        JSONObject oldCancelled = lastEvent(oldSub, "subscription_cancelled");
        String newSub = checkout(org, "pro-USD-yearly");
        JSONObject newCreated = lastEvent(newSub, "subscription_created");

        // in order of arrival: old created, new created (old cancellation still in flight), old cancelled
        apply(oldCreated);
        Outcome n = apply(newCreated);
        assertTrue(n.applied());
        assertEquals("active", row(newSub).status);
        assertEquals("cancelled", row(oldSub).status, "parked to free the live slot");
        apply(oldCancelled);
        assertEquals("cancelled", row(oldSub).status);
        assertEquals("active", row(newSub).status);

        // same events for a second organization, the other way round: the stale live snapshot yields
        String org2 = newOrgId();
        customer(org2, new JSONObject().put("organizationId", org2));
        String a = checkout(org2, "pro-USD-monthly");
        JSONObject aCreated = lastEvent(a, "subscription_created");
        com.chargebee.models.Subscription.cancelForItems(a).endOfTerm(false).request(env);
        String b = checkout(org2, "pro-USD-yearly");
        apply(lastEvent(b, "subscription_created"));
        Outcome lateA = apply(aCreated);
        assertTrue(lateA.applied());
        assertEquals(SubscriptionStatus.CANCELLED, lateA.newStatus());
        assertEquals("active", row(b).status);
        apply(lastEvent(a, "subscription_cancelled"));
        assertEquals("cancelled", row(a).status);
        assertEquals("active", row(b).status);
    }

    @Test
    void aBatchWritesEveryColumnOfItsChangedRowsAndParksBeforeInserting() throws Exception {
        // org 1: its row exists before the batch; the batch changes the plan (new item) and schedules the cancellation
        String org = newOrgId();
        customer(org, new JSONObject().put("organizationId", org));
        String subId = checkout(org, "starter-USD-monthly");
        apply(lastEvent(subId, "subscription_created"));
        Instant updatedBefore = row(subId).updatedAt;
        sim.advanceClock(Duration.ofDays(20));
        com.chargebee.models.Subscription.updateForItems(subId).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 5).replaceItemsList(true).metaData(new JSONObject().put("team", "blue"))
                .request(env);
        JSONObject changed = lastEvent(subId, "subscription_changed");
        com.chargebee.models.Subscription.cancelForItems(subId).endOfTerm(true).request(env);
        JSONObject scheduled = lastEvent(subId, "subscription_cancellation_scheduled");

        // org 2: its live row is cancelled and a new live subscription created in the same batch
        String org2 = newOrgId();
        customer(org2, new JSONObject().put("organizationId", org2));
        String a = checkout(org2, "pro-USD-monthly");
        apply(lastEvent(a, "subscription_created"));
        com.chargebee.models.Subscription.cancelForItems(a).endOfTerm(false).request(env);
        JSONObject aCancelled = lastEvent(a, "subscription_cancelled");
        String b = checkout(org2, "pro-USD-yearly");
        JSONObject bCreated = lastEvent(b, "subscription_created");

        List<JSONObject> batchEvents = List.of(changed, scheduled, aCancelled, bCreated);
        List<Outcome> outcomes = QuarkusTransaction.requiringNew().call(() -> {
            ReconcileSubscription.Batch batch = new ReconcileSubscription.Batch();
            reconcile.preload(batch, batchEvents.stream().map(c -> new ReconcileSubscription.Input(
                    c.getJSONObject("subscription"), c.optJSONObject("customer"))).toList());
            List<Outcome> out = batchEvents.stream().map(c -> reconcile.apply(c.getJSONObject("subscription"),
                    c.optJSONObject("customer"), batch)).toList();
            reconcile.write(batch);
            return out;
        });
        assertTrue(outcomes.stream().allMatch(Outcome::applied), outcomes.toString());

        JSONObject newest = scheduled.getJSONObject("subscription");
        Subscription row = row(subId);
        assertEquals("non_renewing", row.status);
        assertEquals(newest.getLong("resource_version"), row.resourceVersion);
        assertEquals("pro-USD-monthly", row.itemPriceId);
        assertEquals(5, row.seats);
        assertEquals(org, row.referenceId);
        assertEquals(org, row.chargebeeCustomerId);
        assertEquals(epoch(newest, "current_term_start"), row.periodStart);
        assertEquals(epoch(newest, "current_term_end"), row.periodEnd);
        assertEquals(epoch(newest, "trial_start"), row.trialStart);
        assertEquals(epoch(newest, "trial_end"), row.trialEnd);
        assertEquals(newest.has("cancelled_at") ? epoch(newest, "cancelled_at") : null, row.canceledAt);
        assertEquals("blue", new JSONObject(row.metadata).getString("team"));
        assertTrue(row.updatedAt.isAfter(updatedBefore), "updated_at moves");
        // the items are the newest snapshot's: the starter item replaced by five pro seats
        assertEquals(List.of("pro-USD-monthly:5"), row.items.stream().map(i -> i.itemPriceId + ":" + i.quantity).toList());

        assertEquals("cancelled", row(a).status);
        assertNotNull(row(a).canceledAt);
        assertEquals("active", row(b).status);
        assertEquals(1L, (long) QuarkusTransaction.requiringNew().call(() -> Subscription.count(
                "referenceId = ?1 and status in ?2", org2, SubscriptionStatus.liveWire())));
    }

    private static Instant epoch(JSONObject o, String key) {
        return o.has(key) && !o.isNull(key) ? Instant.ofEpochSecond(o.getLong(key)) : null;
    }

    @Test
    void requiresTheCallersTransaction() {
        JSONObject sub = new JSONObject().put("id", "x").put("status", "active").put("resource_version", 1);
        assertThrows(RuntimeException.class, () -> reconcile.apply(sub, null));
    }

    // ------------------------------------------------------------------ helpers

    private Outcome apply(JSONObject content) {
        return QuarkusTransaction.requiringNew().call(() -> reconcile.apply(content.getJSONObject("subscription"),
                content.optJSONObject("customer")));
    }

    private static Subscription row(String chargebeeId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Subscription s = Subscription.byChargebeeId(chargebeeId).orElseThrow();
            s.items.size();
            return s;
        });
    }

    private static long itemCount(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> Subscription.<Subscription>findById(id).items.size());
    }

    private static UUID pendingRow(String org) {
        Supplier<UUID> s = () -> {
            Subscription row = new Subscription();
            row.referenceId = org;
            row.status = "future";
            row.persist();
            return row.id;
        };
        return QuarkusTransaction.requiringNew().call(s::get);
    }

    private static String newOrgId() {
        return "org_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    private static void customer(String id, JSONObject meta) throws Exception {
        Customer.CreateRequest r = Customer.create().id(id).company("Co " + id);
        if (meta != null) {
            r.metaData(meta);
        }
        r.request(env);
    }

    private static String checkout(String customerId, String price) throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, price).customerId(customerId)
                .request(env).hostedPage();
        sim.completeCheckout(hp.id());
        return HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
    }

    /** The content of the newest event of this type for the subscription, exactly as the webhook body carries it. */
    private static JSONObject lastEvent(String subscriptionId, String type) {
        List<String> bodies = sim.events();
        for (int i = bodies.size() - 1; i >= 0; i--) {
            JSONObject ev = new JSONObject(bodies.get(i));
            JSONObject content = ev.getJSONObject("content");
            if (type.equals(ev.getString("event_type")) && content.has("subscription")
                    && subscriptionId.equals(content.getJSONObject("subscription").getString("id"))) {
                return content;
            }
        }
        throw new AssertionError("no " + type + " for " + subscriptionId);
    }
}
