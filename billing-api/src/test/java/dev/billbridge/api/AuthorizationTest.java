package dev.billbridge.api;

import static dev.billbridge.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import dev.billbridge.sandbox.chargebee.RequestLogEntry;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/** authorizeReference runs before any Chargebee call: every denial is a 403 and the simulator hears nothing. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class AuthorizationTest {

    private static void assertNoChargebeeCalls(Runnable calls) {
        var sim = SimulatorsTestResource.chargebee();
        sim.clearRequestLog();
        calls.run();
        List<RequestLogEntry> log = sim.requestLog();
        assertEquals(List.of(), log, "Chargebee must not be called");
    }

    private static void expect403(Response r) {
        r.then().statusCode(403).body("error", equalTo("forbidden"));
    }

    @Test
    void anotherOrganizationsReferenceIsForbiddenEverywhere() {
        String mine = Tokens.newOrg();
        String theirs = Tokens.newOrg();
        String admin = Tokens.admin(mine);
        String ref = "\"referenceId\":\"" + theirs + "\"";
        assertNoChargebeeCalls(() -> {
            expect403(as(admin).body("{" + ref + ",\"successUrl\":\"/billing\"}").post("/api/subscription/create"));
            expect403(as(admin).body("{" + ref + ",\"itemPriceId\":\"pro-USD-yearly\"}").post("/api/subscription/update"));
            expect403(as(admin).body("{" + ref + ",\"endOfTerm\":true}").post("/api/subscription/cancel"));
            expect403(as(admin).body("{" + ref + ",\"returnUrl\":\"/billing\"}").post("/api/subscription/portal"));
            expect403(as(admin).queryParam("referenceId", theirs).get("/api/subscription/list"));
            expect403(as(admin).queryParam("referenceId", theirs).get("/api/entitlements"));
            expect403(as(admin).queryParam("referenceId", theirs).get("/api/plans"));
        });
        // the own reference, named explicitly, is fine
        as(admin).queryParam("referenceId", mine).get("/api/subscription/list").then().statusCode(200);
    }

    @Test
    void theSuccessRouteOnlySyncsTheCallersOwnSubscription() {
        String owner = Tokens.newOrg();
        Response created = Api.create(Tokens.admin(owner), "{\"successUrl\":\"/billing\"}");
        created.then().statusCode(200);
        String id = created.path("subscriptionId");
        String stranger = Tokens.admin(Tokens.newOrg());
        assertNoChargebeeCalls(() -> expect403(as(stranger).queryParam("subscriptionId", id)
                .queryParam("callbackURL", "/billing").get("/api/subscription/success")));
    }

    @Test
    void aMemberWithoutTheAdminRoleCannotMutate() {
        String org = Tokens.newOrg();
        String member = Tokens.member(org);
        assertNoChargebeeCalls(() -> {
            expect403(as(member).body("{\"successUrl\":\"/billing\"}").post("/api/subscription/create"));
            expect403(as(member).body("{\"itemPriceId\":\"pro-USD-yearly\"}").post("/api/subscription/update"));
            expect403(as(member).body("{\"endOfTerm\":true}").post("/api/subscription/cancel"));
            expect403(as(member).body("{\"returnUrl\":\"/billing\"}").post("/api/subscription/portal"));
        });
        // reading is for every member
        as(member).get("/api/subscription/list").then().statusCode(200);
        as(member).get("/api/entitlements").then().statusCode(200);
    }

    @Test
    void theAuthorizationHookCanVetoWithoutTouchingBilling() {
        String org = TestAuthorizationHook.DENIED_PREFIX + System.nanoTime();
        String admin = Tokens.admin(org);
        assertNoChargebeeCalls(() -> as(admin).body("{\"successUrl\":\"/billing\"}").post("/api/subscription/create")
                .then().statusCode(403).body("message", equalTo(TestAuthorizationHook.REASON)));
    }
}
