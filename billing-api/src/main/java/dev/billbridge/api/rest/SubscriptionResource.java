package dev.billbridge.api.rest;

import java.net.URI;
import java.util.UUID;

import dev.billbridge.api.auth.AuthorizeReference;
import dev.billbridge.api.auth.BillingAction;
import dev.billbridge.api.auth.Caller;
import dev.billbridge.api.auth.CurrentCaller;
import dev.billbridge.api.billing.LocalSubscriptions;
import dev.billbridge.api.billing.PlanCatalog;
import dev.billbridge.api.billing.SafeUrls;
import dev.billbridge.api.billing.StartCheckout;
import dev.billbridge.api.billing.SubscriptionBilling;
import dev.billbridge.api.error.ApiException;
import dev.billbridge.api.rest.Dtos.CancelRequest;
import dev.billbridge.api.rest.Dtos.CheckoutView;
import dev.billbridge.api.rest.Dtos.CreateRequest;
import dev.billbridge.api.rest.Dtos.PortalRequest;
import dev.billbridge.api.rest.Dtos.SubscriptionList;
import dev.billbridge.api.rest.Dtos.SubscriptionView;
import dev.billbridge.api.rest.Dtos.UpdateRequest;
import dev.billbridge.api.rest.Dtos.UrlView;
import dev.billbridge.core.domain.Subscription;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/subscription")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "subscription", description = "The organization's subscription. Mutating calls need the configured role (default admin).")
public class SubscriptionResource {

    @Inject
    CurrentCaller current;
    @Inject
    AuthorizeReference authz;
    @Inject
    StartCheckout startCheckout;
    @Inject
    SubscriptionBilling billing;
    @Inject
    PlanCatalog catalog;
    @Inject
    LocalSubscriptions subscriptions;
    @Inject
    SafeUrls urls;

    @POST
    @Path("/create")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a hosted checkout for a new subscription",
            description = "Ensures the Chargebee customer (id = organization id), records a pending subscription and "
                    + "returns the hosted page URL. After paying, Chargebee sends the browser to the success route.")
    @APIResponse(responseCode = "200", description = "Checkout started")
    @APIResponse(responseCode = "400", description = "Unknown plan, bad seats, or a non-relative successUrl/cancelUrl")
    @APIResponse(responseCode = "403", description = "Another organization, or a role that cannot change billing")
    @APIResponse(responseCode = "409", description = "A live subscription (or a checkout in progress) exists; or no_applicable_gateway")
    @APIResponse(responseCode = "502", description = "Chargebee failed")
    @APIResponse(responseCode = "503", description = "Chargebee rate limit; see Retry-After")
    public CheckoutView create(CreateRequest body) {
        CreateRequest b = body == null ? new CreateRequest(null, null, null, null, null) : body;
        Caller caller = current.get();
        String org = authz.authorize(caller, b.referenceId(), BillingAction.CREATE);
        StartCheckout.Checkout c = startCheckout.start(caller, org, b.itemPriceId(), b.seats(), b.successUrl(), b.cancelUrl());
        return new CheckoutView(c.mode(), c.url(), c.subscriptionId());
    }

    @GET
    @Path("/list")
    @Operation(summary = "The organization's live subscriptions, from the local cache")
    @APIResponse(responseCode = "200", description = "The subscriptions (empty when none)")
    public SubscriptionList list(@QueryParam("referenceId") String referenceId) {
        String org = authz.authorize(current.get(), referenceId, BillingAction.READ);
        return new SubscriptionList(subscriptions.live(org).stream().map(this::view).toList());
    }

    @POST
    @Path("/update")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change plan or seats through a hosted page (checkout_existing_for_items)")
    @APIResponse(responseCode = "200", description = "Send the browser to url")
    @APIResponse(responseCode = "404", description = "No live subscription")
    public UrlView update(UpdateRequest body) {
        UpdateRequest b = body == null ? new UpdateRequest(null, null, null, null) : body;
        String org = authz.authorize(current.get(), b.referenceId(), BillingAction.UPDATE);
        return new UrlView(billing.changePlan(org, b.itemPriceId(), b.seats(), b.successUrl()));
    }

    @POST
    @Path("/cancel")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel the live subscription (cancel_for_items)",
            description = "endOfTerm true (default) keeps it until the term ends (non_renewing). The local row is updated from Chargebee's answer.")
    @APIResponse(responseCode = "200", description = "The subscription after cancelling")
    @APIResponse(responseCode = "404", description = "No live subscription")
    @APIResponse(responseCode = "409", description = "Chargebee refuses in the current state")
    public SubscriptionView cancel(CancelRequest body) {
        CancelRequest b = body == null ? new CancelRequest(null, null) : body;
        String org = authz.authorize(current.get(), b.referenceId(), BillingAction.CANCEL);
        Subscription row = billing.cancel(org, b.endOfTerm() == null || b.endOfTerm());
        return view(LocalSubscriptions.LiveRow.of(row));
    }

    @POST
    @Path("/portal")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open the Chargebee customer portal; returns the session's access_url")
    @APIResponse(responseCode = "200", description = "Send the browser to url")
    @APIResponse(responseCode = "400", description = "returnUrl is not a relative path")
    @APIResponse(responseCode = "404", description = "The organization has no Chargebee customer yet")
    public UrlView portal(PortalRequest body) {
        PortalRequest b = body == null ? new PortalRequest(null, null) : body;
        String org = authz.authorize(current.get(), b.referenceId(), BillingAction.PORTAL);
        return new UrlView(billing.portal(org, b.returnUrl()));
    }

    @GET
    @Path("/success")
    @Operation(summary = "Where Chargebee returns after a hosted checkout",
            description = "Eagerly syncs the subscription from Chargebee, then answers 303 to callbackURL if it is a relative "
                    + "path on the allowlist (BILLING_REDIRECT_ALLOWLIST, default /billing), else to the default.")
    @APIResponse(responseCode = "303", description = "Redirect to the frontend")
    @APIResponse(responseCode = "404", description = "No such subscription for this organization")
    public Response success(@Parameter(description = "Local subscription id from create") @QueryParam("subscriptionId") String subscriptionId,
                            @Parameter(description = "Relative path to return to") @QueryParam("callbackURL") String callbackURL) {
        Caller caller = current.get();
        UUID id;
        try {
            id = UUID.fromString(subscriptionId == null ? "" : subscriptionId.trim());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("subscriptionId is not a subscription id");
        }
        Subscription row = billing.find(id).orElseThrow(() -> ApiException.notFound("No such subscription"));
        // the owner check: the row's organization must be the caller's (403 otherwise, no Chargebee call)
        authz.authorize(caller, row.referenceId, BillingAction.READ);
        billing.eagerSync(row);
        return Response.seeOther(URI.create(urls.absolute(urls.callbackOrDefault(callbackURL)))).build();
    }

    SubscriptionView view(LocalSubscriptions.LiveRow s) {
        PlanCatalog.PlanInfo plan = catalog.info(s.itemPriceId()).orElse(null);
        Integer seatLimit = s.seats();
        if (plan != null && plan.limits().path("seats").canConvertToInt()) {
            seatLimit = plan.limits().get("seats").asInt();
        }
        boolean scheduled = "non_renewing".equals(s.status());
        return new SubscriptionView(s.id(), s.status(), s.itemPriceId(), plan == null ? s.itemPriceId() : plan.name(), s.seats(),
                seatLimit, s.trialEnd(), s.periodEnd(), scheduled ? (s.canceledAt() != null ? s.canceledAt() : s.periodEnd()) : null);
    }
}
