package dev.billbridge.api.rest;

import dev.billbridge.api.auth.AuthorizeReference;
import dev.billbridge.api.auth.BillingAction;
import dev.billbridge.api.auth.CurrentCaller;
import dev.billbridge.api.billing.LocalSubscriptions;
import dev.billbridge.api.billing.PlanCatalog;
import dev.billbridge.api.rest.Dtos.EntitlementsView;
import dev.billbridge.api.rest.Dtos.PlanRef;
import dev.billbridge.api.rest.Dtos.TrialView;
import dev.billbridge.core.domain.SubscriptionStatus;
import io.quarkus.security.Authenticated;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/entitlements")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "entitlements", description = "Feature gating")
public class EntitlementsResource {

    @Inject
    CurrentCaller current;
    @Inject
    AuthorizeReference authz;
    @Inject
    LocalSubscriptions subscriptions;
    @Inject
    PlanCatalog catalog;

    @GET
    @Operation(summary = "What the organization may use now", description = "From the local cache: active while in_trial, "
            + "active or non_renewing; limits are the plan's; delinquent after an unrecovered failed payment.")
    @APIResponse(responseCode = "200", description = "The entitlements")
    public EntitlementsView entitlements(@QueryParam("referenceId") String referenceId) {
        String org = authz.authorize(current.get(), referenceId, BillingAction.READ);
        LocalSubscriptions.Standing standing = subscriptions.standing(org);
        LocalSubscriptions.LiveRow s = standing.live();
        if (s == null) {
            return new EntitlementsView(false, "none", null, catalog.limits(null), new TrialView(null), standing.delinquent());
        }
        SubscriptionStatus st = SubscriptionStatus.fromWire(s.status());
        boolean active = SubscriptionStatus.ENTITLED.contains(st);
        PlanCatalog.PlanInfo plan = catalog.info(s.itemPriceId()).orElse(null);
        PlanRef ref = s.itemPriceId() == null ? null : new PlanRef(s.itemPriceId(), plan == null ? s.itemPriceId() : plan.name());
        return new EntitlementsView(active, s.status(), ref, active && plan != null ? plan.limits() : catalog.limits(null),
                new TrialView(st == SubscriptionStatus.IN_TRIAL ? s.trialEnd() : null), standing.delinquent());
    }
}
