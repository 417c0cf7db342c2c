package dev.billbridge.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.sandbox.scalekit.TokenRequest;
import dev.billbridge.system.Stack.Service;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole customer journey across the four packaged services, with nothing but the simulators
 * standing in for the outside world: an organization is created in Scalekit, its admin starts a
 * checkout through billing-api, pays on Chargebee's hosted page, and the subscription reaches the
 * cache through Chargebee's webhook, the ingress, Kafka and the sync-worker. Then a cancel at end of
 * term, and the clock moved past the term.
 *
 * <p>The eager sync on the success route is not used: the payer's browser here never follows the
 * redirect, so only the webhook path can make the subscription appear.
 */
class JourneyTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Stack stack;

    @BeforeAll
    static void up() {
        stack = Stack.builder("journey")
                .services(Service.WEBHOOK_INGRESS, Service.PROVISIONING_WORKER, Service.SYNC_WORKER, Service.BILLING_API)
                .env(Service.BILLING_API, "BILLING_PLANS", "[{\"itemPriceId\":\"pro-USD-monthly\",\"name\":\"Pro\","
                        + "\"limits\":{\"seats\":25}},{\"itemPriceId\":\"starter-USD-monthly\",\"name\":\"Starter\",\"trialDays\":14}]")
                .start();
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void createPayWebhookSyncListCancelAndExpire() throws Exception {
        // Scalekit: the organization exists, its signed webhook provisions a Chargebee customer
        String org = stack.scalekit().createOrganization("Journey Inc").organizationId();
        Stack.await("organization provisioned", WAIT, () -> stack.queryLong(
                "select count(*) from organization where id = ? and chargebee_customer_id = ?", org, org) == 1);

        String admin = stack.scalekit().mintToken(TokenRequest.of("usr_journey", org).withRoles("admin"));

        // billing-api: hosted checkout for 2 seats of the monthly pro plan
        HttpResponse<String> created = stack.http(Service.BILLING_API, "POST", "/api/subscription/create", admin,
                "{\"itemPriceId\":\"pro-USD-monthly\",\"seats\":2,\"successUrl\":\"/billing/done\",\"cancelUrl\":\"/billing\"}");
        assertEquals(200, created.statusCode(), created.body());
        JsonNode checkout = JSON.readTree(created.body());
        assertEquals("hosted", checkout.path("mode").asText());
        String hostedUrl = checkout.path("url").asText();
        String localId = checkout.path("subscriptionId").asText();
        assertEquals(1, stack.queryLong("select count(*) from subscription where id = ?::uuid and status = 'future'", localId));

        // the payer: opens the hosted page and presses Pay; Chargebee redirects to billing-api's success route
        HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(hostedUrl)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().toLowerCase().contains("pay"), "the hosted page offers a Pay button");
        HttpResponse<String> paid = browser.send(HttpRequest.newBuilder(URI.create(hostedUrl + "/pay"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, paid.statusCode(), paid.body());
        String location = paid.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(stack.url(Service.BILLING_API) + "/api/subscription/success"), location);
        assertTrue(location.contains("subscriptionId=" + localId) && location.contains("state=succeeded"), location);

        // webhook → ingress → chargebee.events → sync-worker → cache; billing-api lists it active
        Stack.await("subscription active in the list", WAIT, () -> {
            JsonNode subs = list(admin);
            return subs.size() == 1 && "active".equals(subs.get(0).path("status").asText());
        });
        JsonNode sub = list(admin).get(0);
        assertEquals("pro-USD-monthly", sub.path("itemPriceId").asText());
        assertEquals(2, sub.path("seats").asInt());
        assertEquals(localId, sub.path("id").asText(), "the pending row was linked, not duplicated");
        assertEquals(1, stack.queryLong("select count(*) from subscription where reference_id = ?", org));
        JsonNode entitled = JSON.readTree(stack.http(Service.BILLING_API, "GET", "/api/entitlements", admin, null).body());
        assertTrue(entitled.path("active").asBoolean(), entitled.toString());

        // cancel at end of term: the local row follows Chargebee's answer at once
        HttpResponse<String> cancelled = stack.http(Service.BILLING_API, "POST", "/api/subscription/cancel", admin,
                "{\"endOfTerm\":true}");
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        Stack.await("non_renewing", WAIT, () -> "non_renewing".equals(list(admin).get(0).path("status").asText()));
        assertTrue(!list(admin).get(0).path("cancelAt").isNull(), "the list says when it ends");

        // the term ends: Chargebee cancels it and says so by webhook
        stack.chargebee().advanceClock(Duration.ofDays(32));
        Stack.await("cancelled in the cache", WAIT, () -> stack.queryLong(
                "select count(*) from subscription where id = ?::uuid and status = 'cancelled'", localId) == 1);
        assertEquals(0, list(admin).size(), "no live subscription is listed");
        JsonNode after = JSON.readTree(stack.http(Service.BILLING_API, "GET", "/api/entitlements", admin, null).body());
        assertTrue(!after.path("active").asBoolean(), after.toString());
    }

    private static JsonNode list(String token) {
        HttpResponse<String> r = stack.http(Service.BILLING_API, "GET", "/api/subscription/list", token, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("list answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body()).path("subscriptions");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
