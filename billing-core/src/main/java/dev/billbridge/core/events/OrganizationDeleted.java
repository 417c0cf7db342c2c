package dev.billbridge.core.events;

import java.time.Instant;
import java.util.List;

/**
 * CDI event fired by the provisioning worker after the commit that marked an organization deleted
 * (its live Chargebee subscriptions already cancelled). Fired once per applied Scalekit event; also
 * published to {@link Topics#BILLING_LIFECYCLE} as {@link LifecycleEvent#ORGANIZATION_DELETED}.
 *
 * @param cancelledSubscriptionIds Chargebee subscriptions this deletion cancelled
 */
public record OrganizationDeleted(String organizationId, Instant deletedAt, List<String> cancelledSubscriptionIds,
                                  Instant occurredAt, String causeEventId) {
}
