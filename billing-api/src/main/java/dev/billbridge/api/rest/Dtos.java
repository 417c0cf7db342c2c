package dev.billbridge.api.rest;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Request and answer bodies of billing-api. */
public final class Dtos {

    private Dtos() {
    }

    @Schema(description = "Who is calling, from the verified access token")
    public record SessionView(@Schema(description = "Scalekit user id (sub)") String userId,
                              @Schema(description = "Scalekit organization id (oid): the billing reference") String organizationId,
                              Set<String> roles, Set<String> permissions) {
    }

    @Schema(description = "A sellable plan")
    public record PlanView(@Schema(description = "Chargebee item price id") String itemPriceId, String name,
                           @Schema(description = "Trial length in days; null or 0 = no trial") Integer trialDays,
                           @Schema(description = "Feature limits, e.g. {\"seats\":25}") ObjectNode limits,
                           @Schema(description = "Whether a checkout without itemPriceId uses this plan") boolean isDefault) {
    }

    @Schema(description = "Start a hosted checkout")
    public record CreateRequest(
            @Schema(description = "Plan item price; default CHARGEBEE_PLAN_ITEM_PRICE_ID") String itemPriceId,
            @Schema(description = "Quantity of the plan item (seats); default 1", minimum = "1", maximum = "10000") Integer seats,
            @Schema(description = "Relative path to return to after paying (via the success route)", required = true, example = "/billing")
            String successUrl,
            @Schema(description = "Relative path to return to when the payer cancels", example = "/billing") String cancelUrl,
            @Schema(description = "Billing reference; must be the token's organization (default)") String referenceId) {
    }

    @Schema(description = "A started checkout: send the browser to url")
    public record CheckoutView(@Schema(description = "Always hosted") String mode,
                               @Schema(description = "Chargebee hosted page URL") String url,
                               @Schema(description = "Local subscription id (pending until paid)") UUID subscriptionId) {
    }

    @Schema(description = "Change plan or seats through a hosted page")
    public record UpdateRequest(String itemPriceId, Integer seats,
                                @Schema(description = "Relative path to return to after paying", example = "/billing") String successUrl,
                                String referenceId) {
    }

    @Schema(description = "Cancel the live subscription")
    public record CancelRequest(@Schema(description = "true: at the end of the current term (default); false: now") Boolean endOfTerm,
                                String referenceId) {
    }

    @Schema(description = "Open the Chargebee customer portal")
    public record PortalRequest(@Schema(description = "Relative path the portal returns to", example = "/billing") String returnUrl,
                                String referenceId) {
    }

    @Schema(description = "A URL to send the browser to")
    public record UrlView(String url) {
    }

    @Schema(description = "A subscription from the local cache")
    public record SubscriptionView(UUID id,
                                   @Schema(description = "future, in_trial, active, non_renewing or paused") String status,
                                   String itemPriceId, String planName, Integer seats,
                                   @Schema(description = "The plan's seats limit, else the seats bought") Integer seatLimit,
                                   Instant trialEnd, Instant periodEnd,
                                   @Schema(description = "When a scheduled cancellation takes effect") Instant cancelAt) {
    }

    @Schema(description = "The organization's live subscriptions")
    public record SubscriptionList(List<SubscriptionView> subscriptions) {
    }

    public record TrialView(@Schema(description = "End of the running trial, else null") Instant endsAt) {
    }

    public record PlanRef(String itemPriceId, String name) {
    }

    @Schema(description = "What the organization may use now (for feature gating)")
    public record EntitlementsView(@Schema(description = "in_trial, active or non_renewing") boolean active,
                                   @Schema(description = "Status of the live subscription, or none") String status,
                                   PlanRef plan,
                                   @Schema(description = "The plan's limits while active, else empty") ObjectNode limits,
                                   TrialView trial,
                                   @Schema(description = "A payment failed and is not yet recovered") boolean delinquent) {
    }
}
