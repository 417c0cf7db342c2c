package dev.billbridge.sync.apply;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.core.billing.ReconcileSubscription.Outcome;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.LifecycleEvent;
import dev.billbridge.sync.hooks.SubscriptionHooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Applies Chargebee events to the local cache. One call is one transaction: the state changes and
 * the message-log rows commit together, so an event is applied exactly once however often Kafka
 * delivers it. Nothing is published here; the caller announces {@link Effects} after commit.
 */
@ApplicationScoped
public class ApplyChargebeeEvents {

    private static final Logger LOG = Logger.getLogger(ApplyChargebeeEvents.class);

    public static final String SOURCE = EventHeaders.SOURCE_CHARGEBEE;
    public static final String CONSUMER = "sync-worker";

    /** Every one carries a subscription snapshot applied through {@link ReconcileSubscription}. */
    public static final Set<String> SUBSCRIPTION_EVENTS = Set.of("subscription_created", "subscription_activated",
            "subscription_started", "subscription_changed", "subscription_renewed", "subscription_reactivated",
            "subscription_paused", "subscription_resumed", "subscription_cancellation_scheduled",
            "subscription_scheduled_cancellation_removed", "subscription_cancelled", "subscription_deleted");

    /** Set the delinquency flag. Chargebee's dunning events (PC 2.0 omnichannel) count as failures. */
    public static final Set<String> DELINQUENT_EVENTS = Set.of("payment_failed",
            "omnichannel_subscription_item_dunning_started", "omnichannel_subscription_item_dunning_expired");

    /** Clear it. */
    public static final Set<String> RECOVERY_EVENTS = Set.of("payment_succeeded");

    public static final String CUSTOMER_DELETED = "customer_deleted";

    @Inject
    ReconcileSubscription reconcile;

    /**
     * Applies the events in order, skipping those already in the message log. The log rows are
     * written first, in one statement that also tells which events are new; everything else is read
     * in a few queries up front ({@link ReconcileSubscription#preload}); the changed subscriptions are
     * written at the end in one statement per table ({@link ReconcileSubscription#write}), new ones and
     * organizations at commit in JDBC batches, so a subscription touched several times in the poll is
     * written once.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Effects apply(List<ChargebeeEvent> events) {
        Effects fx = new Effects();
        if (events.isEmpty()) {
            return fx;
        }
        // Queries below must not flush the batch's pending writes each time (that made every lookup a
        // round of dirty checks and small writes); lookups go through the preloaded batch instead, and a
        // write that conflicts with an unflushed one fails the commit, after which the caller re-applies
        // the events one per transaction.
        Subscription.getEntityManager().setFlushMode(FlushModeType.COMMIT);
        Set<String> fresh = ProcessedEvent.recordNew(SOURCE, events.stream().map(ChargebeeEvent::id).toList(), CONSUMER);
        List<ChargebeeEvent> toApply = new ArrayList<>(fresh.size());
        Set<String> pending = new HashSet<>(fresh);
        for (ChargebeeEvent ev : events) {
            if (pending.remove(ev.id())) {
                toApply.add(ev);
            } else {
                fx.duplicates++; // in the log before this poll, or twice in it
            }
        }
        ReconcileSubscription.Batch batch = new ReconcileSubscription.Batch();
        List<ReconcileSubscription.Input> snapshots = new ArrayList<>(toApply.size());
        for (ChargebeeEvent ev : toApply) {
            if (ev.subscription() != null && carriesSnapshot(ev.type())) {
                snapshots.add(new ReconcileSubscription.Input(ev.subscription(), ev.customer()));
            }
        }
        reconcile.preload(batch, snapshots);
        Map<String, Organization> orgs = preloadOrganizations(toApply);
        for (ChargebeeEvent ev : toApply) {
            applyOne(ev, batch, orgs, fx);
            fx.recorded++;
        }
        reconcile.write(batch);
        return fx;
    }

    private static boolean carriesSnapshot(String type) {
        return SUBSCRIPTION_EVENTS.contains(type) || DELINQUENT_EVENTS.contains(type) || RECOVERY_EVENTS.contains(type);
    }

    /** The organizations the batch's payment events name in meta_data; a missing one maps to null. */
    private static Map<String, Organization> preloadOrganizations(List<ChargebeeEvent> events) {
        Set<String> ids = new HashSet<>();
        for (ChargebeeEvent ev : events) {
            if (DELINQUENT_EVENTS.contains(ev.type()) || RECOVERY_EVENTS.contains(ev.type())) {
                String id = metaOrganizationId(ev);
                if (id != null) {
                    ids.add(id);
                }
            }
        }
        Map<String, Organization> orgs = new HashMap<>();
        if (!ids.isEmpty()) {
            ids.forEach(id -> orgs.put(id, null));
            Organization.<Organization>list("id in ?1", ids).forEach(o -> orgs.put(o.id, o));
        }
        return orgs;
    }

    private void applyOne(ChargebeeEvent ev, ReconcileSubscription.Batch batch, Map<String, Organization> orgs,
                          Effects fx) {
        String type = ev.type();
        if (SUBSCRIPTION_EVENTS.contains(type)) {
            JSONObject sub = ev.subscription();
            if (sub == null) {
                throw new ReconcileSubscription.InvalidSnapshot(type + " without content.subscription");
            }
            subscriptionEffects(ev, reconcile.apply(sub, ev.customer(), batch), batch, fx);
        } else if (DELINQUENT_EVENTS.contains(type) || RECOVERY_EVENTS.contains(type)) {
            // payment events carry the subscription too: its dues and status are as current as any
            String reference = null;
            if (ev.subscription() != null) {
                Outcome o = reconcile.apply(ev.subscription(), ev.customer(), batch);
                subscriptionEffects(ev, o, batch, fx);
                reference = o.referenceId();
            }
            delinquency(ev, DELINQUENT_EVENTS.contains(type), reference, orgs, fx);
        } else if (CUSTOMER_DELETED.equals(type)) {
            customerDeleted(ev, batch, fx);
        } else {
            LOG.debugf("ignoring Chargebee event %s of type %s", ev.id(), type);
        }
    }

    private static void subscriptionEffects(ChargebeeEvent ev, Outcome o, ReconcileSubscription.Batch batch,
                                            Effects fx) {
        if (!o.applied()) {
            LOG.debugf("event %s: subscription %s snapshot %d is not newer than the stored one; skipped", ev.id(),
                    o.chargebeeSubscriptionId(), o.resourceVersion());
            return;
        }
        Subscription row = batch.row(o.chargebeeSubscriptionId());
        String price = row == null ? null : row.itemPriceId;
        Integer seats = row == null ? null : row.seats;
        String status = o.newStatus().wire();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("subscriptionId", o.subscriptionId().toString());
        data.put("chargebeeSubscriptionId", o.chargebeeSubscriptionId());
        data.put("status", status);
        data.put("previousStatus", o.previousStatus() == null ? null : o.previousStatus().wire());
        data.put("itemPriceId", price);
        data.put("seats", seats);
        data.put("chargebeeEventType", ev.type());
        String org = o.referenceId();
        if (o.activated()) {
            fx.lifecycle.add(LifecycleEvent.of(LifecycleEvent.SUBSCRIPTION_ACTIVATED, org, ev.occurredAt(), ev.id(), data));
            fx.hooks.add(new SubscriptionHooks.SubscriptionComplete(org, o.subscriptionId(), o.chargebeeSubscriptionId(),
                    status, price, seats, ev.id()));
        } else if (o.cancelled()) {
            fx.lifecycle.add(LifecycleEvent.of(LifecycleEvent.SUBSCRIPTION_CANCELLED, org, ev.occurredAt(), ev.id(), data));
            fx.hooks.add(new SubscriptionHooks.SubscriptionCancel(org, o.subscriptionId(), o.chargebeeSubscriptionId(),
                    status, ev.id()));
        } else if (o.previousStatus() != null && (o.statusChanged() || o.planChanged())) {
            // a row first seen in a non-granting live status (future, paused) announces nothing yet
            fx.lifecycle.add(LifecycleEvent.of(LifecycleEvent.SUBSCRIPTION_CHANGED, org, ev.occurredAt(), ev.id(), data));
        }
        if (o.trialStarted()) {
            fx.hooks.add(new SubscriptionHooks.TrialStart(org, o.subscriptionId(), o.chargebeeSubscriptionId(), ev.id()));
        }
        if (o.trialEnded()) {
            fx.hooks.add(new SubscriptionHooks.TrialEnd(org, o.subscriptionId(), o.chargebeeSubscriptionId(), status,
                    ev.id()));
        }
    }

    /** payment_failed sets the flag, payment_succeeded clears it; an older payment event never overrides a newer one. */
    private static void delinquency(ChargebeeEvent ev, boolean delinquent, String subscriptionReference,
                                    Map<String, Organization> orgs, Effects fx) {
        String customerId = ev.customerId();
        String orgId = organizationOf(ev, customerId);
        if (orgId == null) {
            orgId = subscriptionReference; // the organization of the subscription row the payment is for
        }
        if (orgId == null) {
            throw new ReconcileSubscription.InvalidSnapshot(ev.type() + ": no organization for Chargebee customer "
                    + customerId);
        }
        Organization org = orgs.containsKey(orgId) ? orgs.get(orgId) : Organization.findById(orgId);
        if (org == null) {
            // provisioning has not written the organization yet; the flag must not wait for it (if
            // provisioning inserts it concurrently, the commit fails and the event is re-applied alone)
            org = new Organization();
            org.id = orgId;
            org.persist();
        }
        orgs.put(orgId, org);
        Instant at = ev.paymentOrderingInstant();
        if (org.delinquencyEventAt != null && !at.isAfter(org.delinquencyEventAt)) {
            LOG.debugf("event %s: payment event older than the one applied for %s; skipped", ev.id(), orgId);
            return;
        }
        boolean before = org.delinquent;
        org.delinquent = delinquent;
        org.delinquencyEventAt = at;
        if (before != delinquent) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("chargebeeCustomerId", customerId);
            JSONObject sub = ev.subscription();
            data.put("chargebeeSubscriptionId", sub == null ? null : sub.optString("id", null));
            data.put("chargebeeEventType", ev.type());
            fx.lifecycle.add(LifecycleEvent.of(delinquent ? LifecycleEvent.ORGANIZATION_DELINQUENT
                    : LifecycleEvent.ORGANIZATION_RECOVERED, orgId, ev.occurredAt(), ev.id(), data));
        }
    }

    /**
     * Chargebee deleted the customer (and with it its subscriptions): the organization loses its
     * customer mapping and no row of that customer stays live. Rows whose snapshot is newer than the
     * deletion belong to a customer re-created under the same id and are left alone.
     */
    private static void customerDeleted(ChargebeeEvent ev, ReconcileSubscription.Batch batch, Effects fx) {
        String customerId = ev.customerId();
        if (customerId == null) {
            throw new ReconcileSubscription.InvalidSnapshot("customer_deleted without a customer id");
        }
        JSONObject customer = ev.customer();
        long deletedVersion = customer == null ? Long.MAX_VALUE : customer.optLong("resource_version", Long.MAX_VALUE);
        String orgId = organizationOf(ev, customerId);
        // rare, and its queries must see this batch's rows
        Subscription.getEntityManager().flush();
        Organization.byCustomerId(customerId).ifPresent(o -> o.chargebeeCustomerId = null);
        batch.customerUnmapped(customerId);
        List<Subscription> rows = new ArrayList<>(Subscription.list("chargebeeCustomerId = ?1 and status in ?2",
                customerId, SubscriptionStatus.liveWire()));
        if (orgId != null) {
            // a pending checkout of the organization has no customer id yet
            rows.addAll(Subscription.list("referenceId = ?1 and chargebeeSubscriptionId is null and status in ?2",
                    orgId, SubscriptionStatus.liveWire()));
        }
        for (Subscription row : rows) {
            if (row.resourceVersion != null && row.resourceVersion > deletedVersion) {
                continue;
            }
            String previous = row.status;
            row.status = SubscriptionStatus.CANCELLED.wire();
            if (row.canceledAt == null) {
                row.canceledAt = ev.occurredAt();
            }
            if (row.chargebeeSubscriptionId == null) {
                continue; // a pending checkout that never completed: nothing was ever granted
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("subscriptionId", row.id.toString());
            data.put("chargebeeSubscriptionId", row.chargebeeSubscriptionId);
            data.put("status", row.status);
            data.put("previousStatus", previous);
            data.put("chargebeeEventType", ev.type());
            fx.lifecycle.add(new LifecycleEvent(LifecycleEvent.SUBSCRIPTION_CANCELLED + ":" + ev.id() + ":"
                    + row.chargebeeSubscriptionId, LifecycleEvent.SUBSCRIPTION_CANCELLED, row.referenceId,
                    ev.occurredAt(), ev.id(), data));
            fx.hooks.add(new SubscriptionHooks.SubscriptionCancel(row.referenceId, row.id, row.chargebeeSubscriptionId,
                    row.status, ev.id()));
        }
    }

    /** The customer's meta_data.organizationId, else the subscription's, else the local mapping. */
    private static String organizationOf(ChargebeeEvent ev, String customerId) {
        String id = metaOrganizationId(ev);
        if (id != null) {
            return id;
        }
        return customerId == null ? null : Organization.byCustomerId(customerId).map(o -> o.id).orElse(null);
    }

    private static String metaOrganizationId(ChargebeeEvent ev) {
        for (JSONObject holder : new JSONObject[] {ev.customer(), ev.subscription()}) {
            JSONObject meta = holder == null ? null : holder.optJSONObject("meta_data");
            if (meta == null && holder != null && !holder.optString("meta_data", "").isBlank()) {
                try {
                    meta = new JSONObject(holder.optString("meta_data"));
                } catch (RuntimeException e) {
                    meta = null;
                }
            }
            String id = meta == null ? "" : meta.optString(ReconcileSubscription.META_ORGANIZATION_ID, "").trim();
            if (!id.isEmpty()) {
                return id;
            }
        }
        return null;
    }
}
