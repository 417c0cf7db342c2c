package dev.billbridge.core.events;

import java.time.Instant;
import java.util.Map;

/**
 * A record on {@link Topics#BILLING_LIFECYCLE}, serialised as JSON and keyed by organization id.
 *
 * @param id             unique per transition, stable across redelivery of the cause (derived from it)
 * @param type           e.g. {@code customer.created}, {@code subscription.activated}
 * @param organizationId the tenant
 * @param occurredAt     when the causing event happened upstream
 * @param causeEventId   the Scalekit or Chargebee event that caused it
 * @param data           type-specific fields (see the README's lifecycle schema)
 */
public record LifecycleEvent(String id, String type, String organizationId, Instant occurredAt,
                             String causeEventId, Map<String, Object> data) {

    public static final String CUSTOMER_CREATED = "customer.created";
    public static final String ORGANIZATION_DELETED = "organization.deleted";
    public static final String SUBSCRIPTION_ACTIVATED = "subscription.activated";
    public static final String SUBSCRIPTION_CHANGED = "subscription.changed";
    public static final String SUBSCRIPTION_CANCELLED = "subscription.cancelled";
    public static final String ORGANIZATION_DELINQUENT = "organization.delinquent";
    public static final String ORGANIZATION_RECOVERED = "organization.recovered";

    public static LifecycleEvent of(String type, String organizationId, Instant occurredAt, String causeEventId,
                                    Map<String, Object> data) {
        return new LifecycleEvent(type + ":" + causeEventId, type, organizationId, occurredAt, causeEventId, data);
    }
}
