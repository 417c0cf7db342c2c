package dev.billbridge.core.events;

import java.time.Instant;

/**
 * CDI event fired by the provisioning worker after the commit that linked an organization to its
 * Chargebee customer (the cookbook's {@code onCustomerCreate} hook). Observe it with
 * {@code void onCustomerCreate(@Observes CustomerCreated e)}. It is fired once per applied Scalekit
 * event, in the worker's thread; an observer's exception is logged and does not undo the commit. The
 * same transition is published to {@link Topics#BILLING_LIFECYCLE} as
 * {@link LifecycleEvent#CUSTOMER_CREATED} for other processes.
 *
 * <p>"Created" means: from now on the organization has a Chargebee customer linked. The customer
 * itself may have been created first by billing-api's checkout; this event is still fired once.
 *
 * @param customerId the Chargebee customer id (equal to the organization id)
 */
public record CustomerCreated(String organizationId, String customerId, String displayName, Instant occurredAt,
                              String causeEventId) {
}
