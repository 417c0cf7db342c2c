package dev.billbridge.api;

import static dev.billbridge.api.Api.as;
import static dev.billbridge.api.Api.create;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.chargebee.RequestLogEntry;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** The happy path of every endpoint, against the Chargebee simulator and the real database. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class BillingFlowTest {

    static final String APP = SimulatorsTestResource.APP_URL;

    ChargebeeSimulator cb() {
        return SimulatorsTestResource.chargebee();
    }

    @Test
    void plansComeFromTheSeededCatalog() {
        as(Tokens.member(Tokens.newOrg())).get("/api/plans").then().statusCode(200)
                .body("find { it.itemPriceId == 'pro-USD-monthly' }.name", equalTo("Pro"))
                .body("find { it.itemPriceId == 'pro-USD-monthly' }.isDefault", equalTo(true))
                .body("find { it.itemPriceId == 'pro-USD-monthly' }.limits.seats", equalTo(25))
                .body("find { it.itemPriceId == 'starter-USD-monthly' }.trialDays", equalTo(14));
    }

    @Test
    void checkoutPayEagerSyncThenListUpdatePortalCancel() throws Exception {
        String org = Tokens.newOrg();
        String admin = Tokens.admin(org);

        as(admin).get("/api/subscription/list").then().statusCode(200).body("subscriptions", hasSize(0));
        as(admin).get("/api/entitlements").then().statusCode(200).body("active", equalTo(false)).body("status", equalTo("none"));

        Response created = create(admin, "{\"itemPriceId\":\"pro-USD-monthly\",\"seats\":3,\"successUrl\":\"/billing/done?x=1\",\"cancelUrl\":\"/billing\"}");
        created.then().statusCode(200).body("mode", equalTo("hosted")).body("url", startsWith(cb().baseUrl()));
        UUID localId = UUID.fromString(created.path("subscriptionId"));

        // the future row exists before anyone pays; the customer is stamped so the payment links back to it
        Subscription pending = QuarkusTransaction.requiringNew().call(() -> Subscription.findById(localId));
        assertEquals("future", pending.status);
        JsonNode meta = customerMeta(org);
        assertEquals(localId.toString(), meta.path("pendingSubscriptionId").asText());
        assertEquals(org, meta.path("pendingReferenceId").asText());
        assertEquals(org, meta.path("organizationId").asText());
        assertEquals("usr_admin_" + org, meta.path("userId").asText());
        RequestLogEntry checkout = lastRequest("/hosted_pages/checkout_new_for_items");
        assertEquals("3", checkout.params().get("subscription_items[quantity][0]"));
        assertEquals(org, checkout.params().get("customer[id]"));
        assertEquals("0", checkout.params().get("subscription[trial_end]"), "Pro has no trial in the catalog");
        String redirect = checkout.params().get("redirect_url");
        assertTrue(redirect.startsWith(APP + "/api/subscription/success?subscriptionId=" + localId), redirect);
        assertEquals(APP + "/billing", checkout.params().get("cancel_url"));

        // while unpaid the pending checkout blocks a second one
        create(admin, "{\"successUrl\":\"/billing\"}").then().statusCode(409).body("error", equalTo("subscription_exists"));

        // pay on the hosted page; Chargebee sends the browser to our success route (no webhook involved)
        String back = Api.pay(created.path("url"));
        assertTrue(back.startsWith(APP + "/api/subscription/success?subscriptionId=" + localId), back);
        Api.followToApp(admin, back).then().statusCode(303).header("Location", equalTo(APP + "/billing/done?x=1"));

        as(admin).get("/api/subscription/list").then().statusCode(200)
                .body("subscriptions", hasSize(1))
                .body("subscriptions[0].id", equalTo(localId.toString()))
                .body("subscriptions[0].status", equalTo("active"))
                .body("subscriptions[0].itemPriceId", equalTo("pro-USD-monthly"))
                .body("subscriptions[0].planName", equalTo("Pro"))
                .body("subscriptions[0].seats", equalTo(3))
                .body("subscriptions[0].seatLimit", equalTo(25))
                .body("subscriptions[0].periodEnd", notNullValue())
                .body("subscriptions[0].cancelAt", nullValue());
        as(admin).get("/api/entitlements").then().statusCode(200)
                .body("active", equalTo(true)).body("status", equalTo("active"))
                .body("plan.itemPriceId", equalTo("pro-USD-monthly")).body("plan.name", equalTo("Pro"))
                .body("limits.projects", equalTo(100)).body("trial.endsAt", nullValue())
                .body("delinquent", equalTo(false));
        // the sync-worker's dunning flag reaches feature gating
        QuarkusTransaction.requiringNew().run(() -> {
            // the provisioning worker owns the organization row; this test has no Scalekit event, so it writes it
            Organization o = Organization.<Organization>findByIdOptional(org).orElseGet(() -> {
                Organization n = new Organization();
                n.id = org;
                n.persist();
                return n;
            });
            o.delinquent = true;
        });
        as(admin).get("/api/entitlements").then().statusCode(200).body("delinquent", equalTo(true)).body("active", equalTo(true));
        QuarkusTransaction.requiringNew().run(() -> Organization.update("delinquent = false where id = ?1", org));

        // live now: another create is a conflict
        create(admin, "{\"successUrl\":\"/billing\"}").then().statusCode(409);

        // plan change through a hosted page
        as(admin).body("{\"itemPriceId\":\"pro-USD-yearly\",\"seats\":4}").post("/api/subscription/update").then()
                .statusCode(200).body("url", startsWith(cb().baseUrl()));
        RequestLogEntry change = lastRequest("/hosted_pages/checkout_existing_for_items");
        assertEquals("pro-USD-yearly", change.params().get("subscription_items[item_price_id][0]"));
        assertEquals("4", change.params().get("subscription_items[quantity][0]"));
        assertEquals("true", change.params().get("replace_items_list"));

        // portal
        as(admin).body("{\"returnUrl\":\"/billing\"}").post("/api/subscription/portal").then().statusCode(200)
                .body("url", startsWith(cb().baseUrl()));
        assertEquals(APP + "/billing", lastRequest("/portal_sessions").params().get("redirect_url"));

        // cancel at end of term: non_renewing, with the date it ends
        as(admin).body("{\"endOfTerm\":true}").post("/api/subscription/cancel").then().statusCode(200)
                .body("status", equalTo("non_renewing")).body("cancelAt", notNullValue());
        as(admin).get("/api/subscription/list").then().body("subscriptions[0].status", equalTo("non_renewing"));
        as(admin).get("/api/entitlements").then().body("active", equalTo(true)).body("status", equalTo("non_renewing"));
    }

    @Test
    void theTrialComesFromThePlanOncePerOrganization() {
        String org = Tokens.newOrg();
        String admin = Tokens.admin(org);
        Response first = create(admin, "{\"itemPriceId\":\"starter-USD-monthly\",\"successUrl\":\"/billing\"}");
        first.then().statusCode(200);
        long trialEnd = Long.parseLong(lastRequest("/hosted_pages/checkout_new_for_items").params().get("subscription[trial_end]"));
        long days = (trialEnd - System.currentTimeMillis() / 1000) / 86_400;
        assertTrue(days >= 13 && days <= 14, "trial of 14 days, got " + days);
        Api.followToApp(admin, Api.pay(first.path("url"))).then().statusCode(303);
        as(admin).get("/api/entitlements").then().body("status", equalTo("in_trial")).body("trial.endsAt", notNullValue())
                .body("limits.seats", equalTo(5));

        // cancel now, then buy again: no second trial
        as(admin).body("{\"endOfTerm\":false}").post("/api/subscription/cancel").then().statusCode(200)
                .body("status", equalTo("cancelled"));
        as(admin).get("/api/subscription/list").then().body("subscriptions", hasSize(0));
        create(admin, "{\"itemPriceId\":\"starter-USD-monthly\",\"successUrl\":\"/billing\"}").then().statusCode(200);
        assertEquals("0", lastRequest("/hosted_pages/checkout_new_for_items").params().get("subscription[trial_end]"));
    }

    @Test
    void updateCancelWithoutASubscriptionAre404() {
        String admin = Tokens.admin(Tokens.newOrg());
        as(admin).body("{\"itemPriceId\":\"pro-USD-yearly\"}").post("/api/subscription/update").then().statusCode(404)
                .body("error", equalTo("not_found"));
        as(admin).body("{\"endOfTerm\":true}").post("/api/subscription/cancel").then().statusCode(404);
    }

    @Test
    void callerUrlsMustBeRelativePaths() {
        String admin = Tokens.admin(Tokens.newOrg());
        for (String bad : List.of("https://evil.example/x", "//evil.example", "/\\\\evil.example", "javascript:alert(1)",
                "/%2F%2Fevil.example", "billing")) {
            create(admin, "{\"successUrl\":\"" + bad + "\"}").then().statusCode(400).body("error", equalTo("bad_request"));
            as(admin).body("{\"returnUrl\":\"" + bad + "\"}").post("/api/subscription/portal").then().statusCode(400);
        }
        create(admin, "{\"successUrl\":\"/billing\",\"itemPriceId\":\"no-such-plan\"}").then().statusCode(400);
        create(admin, "{\"successUrl\":\"/billing\",\"seats\":0}").then().statusCode(400);
    }

    @Test
    void openRedirectAttemptsGoToTheDefault() {
        String org = Tokens.newOrg();
        String admin = Tokens.admin(org);
        Response created = create(admin, "{\"successUrl\":\"/billing\"}");
        created.then().statusCode(200);
        String id = created.path("subscriptionId");
        List<String> attempts = List.of("//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
                "%2F%2Fevil.example", "/%2Fevil.example", "%2f%2fevil.example", "/%5Cevil.example", "/%255Cevil.example",
                "%252F%252Fevil.example", "/\tevil.example", "http:evil.example", "/billing/../admin", "/billingevil",
                "/other", "");
        for (String attempt : attempts) {
            Response r = as(admin).queryParam("subscriptionId", id).queryParam("callbackURL", attempt)
                    .get("/api/subscription/success");
            assertEquals(303, r.statusCode(), attempt);
            assertEquals(APP + "/billing", r.header("Location"), "callbackURL " + attempt);
        }
        as(admin).queryParam("subscriptionId", id).queryParam("callbackURL", "/billing/plans?tab=1")
                .get("/api/subscription/success").then().statusCode(303).header("Location", equalTo(APP + "/billing/plans?tab=1"));
    }

    @Test
    void chargebeeFailuresAreMappedWithoutInternals() {
        String org = Tokens.newOrg();
        String admin = Tokens.admin(org);
        cb().failNext(1, 429);
        Response limited = as(admin).body("{\"returnUrl\":\"/billing\"}").post("/api/subscription/portal");
        limited.then().statusCode(503).body("error", equalTo("billing_rate_limited"));
        assertNotNull(limited.header("Retry-After"));

        cb().failNext(1, 500);
        Response broken = as(admin).body("{\"returnUrl\":\"/billing\"}").post("/api/subscription/portal");
        broken.then().statusCode(502).body("error", equalTo("billing_provider_unavailable"));
        String text = broken.asString();
        assertTrue(!text.contains("api_error_code") && !text.contains("Exception") && !text.contains("chargebee.com"), text);
        assertEquals(Map.of("error", "billing_provider_unavailable", "message", broken.path("message")), broken.as(Map.class));

        // no customer yet: Chargebee's 404 becomes ours
        as(admin).body("{\"returnUrl\":\"/billing\"}").post("/api/subscription/portal").then().statusCode(404)
                .body("error", equalTo("not_found"));
    }

    @Test
    void openApiDescribesTheEndpoints() {
        io.restassured.RestAssured.given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/api/subscription/create'.post.summary", notNullValue())
                .body("paths.'/api/subscription/success'.get.description", notNullValue())
                .body("paths.'/api/entitlements'.get.summary", notNullValue());
    }

    JsonNode customerMeta(String org) throws Exception {
        Response r = io.restassured.RestAssured.given().auth().preemptive().basic(cb().apiKey(), "")
                .get(cb().apiBaseUrl() + "/customers/" + org);
        return new ObjectMapper().readTree(r.asString()).path("customer").path("meta_data");
    }

    RequestLogEntry lastRequest(String pathSuffix) {
        List<RequestLogEntry> log = cb().requestLog();
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).path().endsWith(pathSuffix) && log.get(i).method().equals("POST")) {
                return log.get(i);
            }
        }
        throw new AssertionError("no request to " + pathSuffix);
    }
}
