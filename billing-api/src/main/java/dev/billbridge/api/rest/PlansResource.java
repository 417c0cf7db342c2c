package dev.billbridge.api.rest;

import java.util.List;

import dev.billbridge.api.auth.BillingAction;
import dev.billbridge.api.auth.AuthorizeReference;
import dev.billbridge.api.auth.CurrentCaller;
import dev.billbridge.api.billing.PlanCatalog;
import dev.billbridge.api.error.ApiException;
import dev.billbridge.api.rest.Dtos.PlanView;
import dev.billbridge.core.domain.Plan;
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
import org.jboss.logging.Logger;

@Path("/api/plans")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "plans", description = "The catalog")
public class PlansResource {

    private static final Logger LOG = Logger.getLogger(PlansResource.class);

    @Inject
    CurrentCaller current;
    @Inject
    AuthorizeReference authz;
    @Inject
    PlanCatalog catalog;

    @GET
    @Operation(summary = "The active plans", description = "From the plan table, seeded from BILLING_PLANS and "
            + "CHARGEBEE_PLAN_ITEM_PRICE_ID. Fails closed: 503 when the catalog cannot be read or is empty.")
    @APIResponse(responseCode = "200", description = "The plans")
    @APIResponse(responseCode = "503", description = "The catalog cannot be read")
    public List<PlanView> plans(@QueryParam("referenceId") String referenceId) {
        authz.authorize(current.get(), referenceId, BillingAction.READ);
        List<Plan> plans;
        try {
            plans = QuarkusTransaction.requiringNew().call(catalog::active);
        } catch (RuntimeException e) {
            LOG.error("plan catalog unreadable", e);
            throw new ApiException(503, "catalog_unavailable", "The plan catalog is unavailable; retry later.",
                    java.time.Duration.ofSeconds(5), e);
        }
        if (plans.isEmpty()) {
            throw new ApiException(503, "catalog_unavailable", "No plans are configured.", null, null);
        }
        String def = catalog.defaultPlanId().orElse(null);
        return plans.stream().map(p -> new PlanView(p.itemPriceId, p.name, p.trialDays, catalog.limits(p),
                p.itemPriceId.equals(def))).toList();
    }
}
