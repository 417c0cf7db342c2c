package dev.billbridge.provisioning.service;

import java.time.Instant;

import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.provisioning.event.ScalekitEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

/**
 * The worker's short transactions. Each one re-checks the message log and the organization's state
 * under a row lock, because another instance may have applied the same event meanwhile (after a
 * rebalance), and records the event in the same transaction as the change.
 */
@ApplicationScoped
public class OrganizationStore {

    public static final String CONSUMER = "provisioning-worker";

    public enum Action {
        /** The message log has it: apply nothing. */
        ALREADY_PROCESSED,
        /** Deleted, or older than what was applied and nothing is missing: record it, change nothing. */
        SKIP,
        APPLY
    }

    /**
     * @param stale the event is older than the newest applied one (its display name must not win)
     */
    public record Decision(Action action, boolean stale, boolean deleted, String customerId, String displayName,
                           Instant deletedAt) {
    }

    /** @param newlyLinked the organization had no customer before this event */
    public record Applied(boolean applied, boolean newlyLinked, String displayName, Instant deletedAt) {
        static final Applied NOTHING = new Applied(false, false, null, null);
    }

    /** Read-only look before calling Chargebee, so redeliveries and stale events cost no API calls. */
    @Transactional
    public Decision decide(ScalekitEvent e) {
        Organization org = Organization.findById(e.organizationId());
        boolean seen = ProcessedEvent.seen(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
        boolean deleted = org != null && org.isDeleted();
        String customerId = org == null ? null : org.chargebeeCustomerId;
        String name = org == null ? null : org.displayName;
        boolean stale = org != null && org.lastEventAt != null && e.occurredAt().isBefore(org.lastEventAt);
        Action action;
        if (seen) {
            action = Action.ALREADY_PROCESSED;
        } else if (deleted) {
            // deletion is terminal (Scalekit does not reuse organization ids): a late created/updated is ignored
            action = Action.SKIP;
        } else if (ScalekitEvent.DELETED.equals(e.type())) {
            action = Action.APPLY;
        } else if (stale && customerId != null) {
            action = Action.SKIP;
        } else {
            action = Action.APPLY;
        }
        return new Decision(action, stale, deleted, customerId, name, org == null ? null : org.deletedAt);
    }

    /** Records an event that changes nothing (stale, or for a deleted organization). */
    @Transactional
    public boolean recordOnly(ScalekitEvent e) {
        if (ProcessedEvent.seen(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER)) {
            return false;
        }
        ProcessedEvent.record(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
        return true;
    }

    /** created/updated: upsert the organization and link its Chargebee customer. */
    @Transactional
    public Applied applyCustomer(ScalekitEvent e, String customerId) {
        if (ProcessedEvent.seen(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER)) {
            return Applied.NOTHING;
        }
        Organization org = Organization.findById(e.organizationId(), LockModeType.PESSIMISTIC_WRITE);
        boolean newlyLinked;
        if (org == null) {
            org = new Organization();
            org.id = e.organizationId();
            org.displayName = e.displayName();
            org.lastEventAt = e.occurredAt();
            org.chargebeeCustomerId = customerId;
            org.persist();
            newlyLinked = true;
        } else if (org.isDeleted()) {
            // deleted while we were calling Chargebee (another instance): the deletion wins
            ProcessedEvent.record(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
            return Applied.NOTHING;
        } else {
            if (org.lastEventAt == null || !e.occurredAt().isBefore(org.lastEventAt)) {
                if (e.displayName() != null) {
                    org.displayName = e.displayName();
                }
                org.lastEventAt = e.occurredAt();
            }
            newlyLinked = org.chargebeeCustomerId == null;
            org.chargebeeCustomerId = customerId;
        }
        ProcessedEvent.record(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
        return new Applied(true, newlyLinked, org.displayName, null);
    }

    /** deleted: mark the organization deleted (a tombstone if we never saw it) and drop its live rows. */
    @Transactional
    public Applied applyDeleted(ScalekitEvent e) {
        if (ProcessedEvent.seen(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER)) {
            return Applied.NOTHING;
        }
        Instant deletedAt = e.deletedAt() != null ? e.deletedAt() : e.occurredAt();
        Organization org = Organization.findById(e.organizationId(), LockModeType.PESSIMISTIC_WRITE);
        if (org == null) {
            // keep a tombstone, so a created that arrives after this stays ignored
            org = new Organization();
            org.id = e.organizationId();
            org.displayName = e.displayName();
            org.deletedAt = deletedAt;
            org.lastEventAt = e.occurredAt();
            org.persist();
        } else if (org.isDeleted()) {
            ProcessedEvent.record(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
            return Applied.NOTHING;
        } else {
            org.deletedAt = deletedAt;
            if (org.lastEventAt == null || e.occurredAt().isAfter(org.lastEventAt)) {
                org.lastEventAt = e.occurredAt();
            }
        }
        // subscription_item rows go with them (on delete cascade)
        Subscription.delete("referenceId = ?1 and status in ?2", e.organizationId(), SubscriptionStatus.liveWire());
        ProcessedEvent.record(EventHeaders.SOURCE_SCALEKIT, e.id(), CONSUMER);
        return new Applied(true, false, org.displayName, deletedAt);
    }
}
