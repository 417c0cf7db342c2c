package dev.billbridge.sync.hooks;

import java.util.UUID;

/**
 * The cookbook's subscription callbacks as CDI events, fired after the change committed and only on
 * a real transition: observe e.g. {@code void on(@Observes SubscriptionHooks.SubscriptionComplete e)}.
 */
public final class SubscriptionHooks {

    /** onSubscriptionComplete: the organization gained a subscription that grants (in_trial/active/non_renewing). */
    public record SubscriptionComplete(String organizationId, UUID subscriptionId, String chargebeeSubscriptionId,
                                       String status, String itemPriceId, Integer seats, String causeEventId) {
    }

    /** onSubscriptionCancel: the subscription stopped being live (cancelled, deleted or transferred). */
    public record SubscriptionCancel(String organizationId, UUID subscriptionId, String chargebeeSubscriptionId,
                                     String status, String causeEventId) {
    }

    /** onTrialStart. */
    public record TrialStart(String organizationId, UUID subscriptionId, String chargebeeSubscriptionId,
                             String causeEventId) {
    }

    /** onTrialEnd: the trial ended, into active or otherwise (see status). */
    public record TrialEnd(String organizationId, UUID subscriptionId, String chargebeeSubscriptionId,
                           String status, String causeEventId) {
    }

    private SubscriptionHooks() {
    }
}
