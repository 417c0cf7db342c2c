package dev.billbridge.api.rest;

import dev.billbridge.api.auth.AuthorizeReference;
import dev.billbridge.api.auth.BillingAction;
import dev.billbridge.api.auth.CurrentCaller;
import dev.billbridge.api.billing.PlanCatalog;
import dev.billbridge.api.billing.SubscriptionBilling;
import dev.billbridge.api.rest.Dtos.EntitlementsView;
import dev.billbridge.api.rest.Dtos.PlanRef;
import dev.billbridge.api.rest.Dtos.TrialView;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Plan;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
    SubscriptionBilling billing;
    @Inject
    PlanCatalog catalog;

    @GET
    @Operation(summary = "What the organization may use now", description = "From the local cache: active while in_trial, "
            + "active or non_renewing; limits are the plan's; delinquent after an unrecovered failed payment.")
    @APIResponse(responseCode = "200", description = "The entitlements")
    public EntitlementsView entitlements(@QueryParam("referenceId") String referenceId) {
        String org = authz.authorize(current.get(), referenceId, BillingAction.READ);
        return QuarkusTransaction.joiningExisting().call(() -> {
            Subscription s = billing.live(org).stream().findFirst().orElse(null);
            boolean delinquent = Organization.<Organization>findByIdOptional(org).map(o -> o.delinquent).orElse(false);
            if (s == null) {
                return new EntitlementsView(false, "none", null, catalog.limits(null), new TrialView(null), delinquent);
            }
            SubscriptionStatus st = s.statusEnum();
            boolean active = SubscriptionStatus.ENTITLED.contains(st);
            Plan plan = s.itemPriceId == null ? null : catalog.find(s.itemPriceId).orElse(null);
            PlanRef ref = s.itemPriceId == null ? null : new PlanRef(s.itemPriceId, plan == null ? s.itemPriceId : plan.name);
            return new EntitlementsView(active, s.status, ref, active ? catalog.limits(plan) : catalog.limits(null),
                    new TrialView(st == SubscriptionStatus.IN_TRIAL ? s.trialEnd : null), delinquent);
        });
    }
}
