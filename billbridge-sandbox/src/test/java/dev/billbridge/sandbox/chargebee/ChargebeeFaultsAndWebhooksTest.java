package dev.billbridge.sandbox.chargebee;

import com.chargebee.APIException;
import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.models.Subscription;
import com.fasterxml.jackson.databind.JsonNode;
import dev.billbridge.sandbox.TestReceiver;
import dev.billbridge.sandbox.support.DeliveryAttempt;
import dev.billbridge.sandbox.support.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Injected faults, the rate limit, webhook delivery and the HTTP control endpoints. */
class ChargebeeFaultsAndWebhooksTest {

    ChargebeeSimulator sim;
    Environment env;
    TestReceiver receiver;

    @BeforeEach
    void start() {
        // 2 min becomes 12 ms: retries are observable without slowing the build
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0)
                .webhookRetryScale(0.0001));
        env = Sdk.env(sim);
        receiver = new TestReceiver();
    }

    @AfterEach
    void stop() {
        sim.close();
        receiver.close();
    }

    private static String header(APIException e, String name) {
        return e.headers.entrySet().stream().filter(h -> name.equalsIgnoreCase(h.getKey()))
                .map(h -> h.getValue().get(0)).findFirst().orElse(null);
    }

    @Test
    void injected429sMapToApiRequestLimitExceededThenRecover() throws Exception {
        sim.failNext(2, 429);
        for (int i = 0; i < 2; i++) {
            APIException e = assertThrows(APIException.class, () -> Customer.create().id("org_429").request(env));
            assertEquals(429, e.httpStatusCode);
            assertEquals("api_request_limit_exceeded", e.apiErrorCode);
            assertEquals("1", header(e, "Retry-After"));
        }
        assertEquals("org_429", Customer.create().id("org_429").request(env).customer().id());
        assertEquals(2, sim.count429());
        assertEquals(List.of("injected_fault", "injected_fault", "ok"),
                sim.requestLog().stream().map(RequestLogEntry::outcome).toList());
        assertEquals("org_429", sim.requestLog().get(0).params().get("id"), "rejected requests are logged too");
    }

    @Test
    void injected5xxHasAnErrorBodyTheSdkReads() {
        sim.failNext(1, 503);
        APIException e = assertThrows(APIException.class, () -> Customer.retrieve("x").request(env));
        assertEquals(503, e.httpStatusCode);
        assertEquals("internal_temporary_error", e.apiErrorCode);
        sim.failNext(1, 500);
        assertEquals("internal_error",
                assertThrows(APIException.class, () -> Customer.retrieve("x").request(env)).apiErrorCode);
    }

    @Test
    void rateLimitRejectsRequestsBeyondThePerMinuteBudget() throws Exception {
        sim.setRateLimitPerMinute(3);
        for (int i = 0; i < 3; i++) {
            Customer.create().id("org_rl" + i).request(env);
        }
        APIException e = assertThrows(APIException.class, () -> Customer.retrieve("org_rl0").request(env));
        assertEquals(429, e.httpStatusCode);
        assertEquals("api_request_limit_exceeded", e.apiErrorCode);
        int retryAfter = Integer.parseInt(header(e, "Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        assertEquals("rate_limited", sim.requestLog().get(3).outcome());
        assertEquals(1, sim.count429());
        sim.setRateLimitPerMinute(0);
        assertEquals("org_rl0", Customer.retrieve("org_rl0").request(env).customer().id());
    }

    @Test
    void delayTriggersTheClientReadTimeout() throws Exception {
        env.readTimeout = 150;
        sim.setDelayMillis(600);
        Exception e = assertThrows(Exception.class, () -> Customer.retrieve("x").request(env));
        assertTrue(e instanceof SocketTimeoutException, e.toString());
        sim.setDelayMillis(0);
        Customer.create().id("org_fast").request(env);
    }

    @Test
    void webhooksArePostedWithBasicAuthAndRetriedAfterA500() throws Exception {
        receiver.respondWith(500);
        sim.addWebhook(receiver.url("/hooks/chargebee"), "cb_user", "cb_pass");
        Customer.create().id("org_hook").request(env);

        List<TestReceiver.Received> got = receiver.await(r -> true, 2);
        assertTrue(sim.awaitWebhooksIdle(Duration.ofSeconds(5)));
        assertEquals(got.get(0).body(), got.get(1).body(), "the retry carries the same event");
        String expectedAuth = "Basic " + Base64.getEncoder().encodeToString("cb_user:cb_pass"
                .getBytes(StandardCharsets.UTF_8));
        for (TestReceiver.Received r : got) {
            assertEquals(expectedAuth, r.header("Authorization"));
            assertTrue(r.header("Content-Type").startsWith("application/json"));
            assertEquals("/hooks/chargebee", r.path());
        }
        JsonNode ev = Json.parse(got.get(0).body());
        assertEquals("customer_created", ev.get("event_type").asText());
        assertEquals(sim.eventNodes().get(0).get("id").asText(), ev.get("id").asText());

        List<DeliveryAttempt> attempts = sim.deliveryAttempts();
        assertEquals(2, attempts.size());
        assertEquals(500, attempts.get(0).statusCode());
        assertTrue(attempts.get(0).willRetry());
        assertEquals(200, attempts.get(1).statusCode());
        assertEquals(2, attempts.get(1).attempt());
        assertFalse(attempts.get(1).willRetry());
        assertEquals(1, receiver.received().stream().filter(r -> r.body().equals(got.get(0).body())).count() - 1,
                "exactly one retry");
    }

    @Test
    void connectionFailuresAreRetriedOnTheCompressedScheduleThenGivenUp() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        sim.close();
        // the whole seven-retry schedule (2 min .. 2 d) compressed into about a second
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0)
                .webhookRetryScale(0.000005).webhook("http://127.0.0.1:" + deadPort + "/nobody", null, null));
        env = Sdk.env(sim);
        Customer.create().id("org_dead").request(env);
        assertTrue(sim.awaitWebhooksIdle(Duration.ofSeconds(10)));
        List<DeliveryAttempt> attempts = sim.deliveryAttempts();
        assertEquals(1 + ChargebeeSimulator.CHARGEBEE_RETRY_SCHEDULE.size(), attempts.size());
        assertTrue(attempts.stream().allMatch(a -> a.statusCode() == -1 && a.error() != null));
        assertFalse(attempts.get(attempts.size() - 1).willRetry());
    }

    @Test
    void eventsArriveInOrderAndCanBeReplayedDuplicatedAndShuffled() throws Exception {
        sim.addWebhook(receiver.url("/h"), null, null);
        Customer.create().id("org_o1").request(env);
        Customer.update("org_o1").company("A").request(env);
        Customer.update("org_o1").company("B").request(env);
        List<TestReceiver.Received> inOrder = receiver.await(r -> true, 3);
        List<String> ids = sim.eventNodes().stream().map(e -> e.get("id").asText()).toList();
        assertEquals(ids, inOrder.stream().map(r -> Json.parse(r.body()).get("id").asText()).toList());
        assertTrue(inOrder.get(0).header("Authorization") == null, "no auth configured, none sent");

        List<String> resent = sim.deliverShuffledDuplicates(3, 7L);
        assertEquals(6, resent.size());
        assertFalse(resent.equals(List.of(ids.get(0), ids.get(0), ids.get(1), ids.get(1), ids.get(2), ids.get(2))),
                "seed 7 shuffles");
        List<TestReceiver.Received> all = receiver.await(r -> true, 9);
        Map<String, Integer> counts = new HashMap<>();
        all.forEach(r -> counts.merge(Json.parse(r.body()).get("id").asText(), 1, Integer::sum));
        assertEquals(Map.of(ids.get(0), 3, ids.get(1), 3, ids.get(2), 3), counts);
        assertEquals(resent, all.subList(3, 9).stream().map(r -> Json.parse(r.body()).get("id").asText()).toList());
    }

    @Test
    void httpControlEndpoints() throws Exception {
        String base = sim.baseUrl() + "/_sim";
        assertEquals(200, Sdk.get(base + "/health").statusCode());

        assertEquals(200, Sdk.postJson(base + "/webhooks",
                "{\"url\":\"" + receiver.url("/c") + "\",\"username\":\"u\",\"password\":\"p\"}").statusCode());
        assertFalse(Sdk.get(base + "/webhooks").body().contains("\"p\""), "passwords are never echoed");

        assertEquals(200, Sdk.postJson(base + "/faults", "{\"status\":429,\"count\":1}").statusCode());
        assertThrows(APIException.class, () -> Customer.create().id("org_ctl").request(env));
        Customer.create().id("org_ctl").request(env);

        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "starter-USD-monthly")
                .customerId("org_ctl").redirectUrl("https://app.test/ok").request(env).hostedPage();
        JsonNode done = Json.parse(Sdk.postJson(base + "/hosted_pages/" + hp.id() + "/complete", "").body());
        assertTrue(done.get("redirect_url").asText().endsWith("id=" + hp.id() + "&state=succeeded"));
        String subId = done.at("/hosted_page/content/subscription/id").asText();

        assertEquals(200, Sdk.postJson(base + "/payments/fail-next", "{\"customer_id\":\"org_ctl\"}").statusCode());
        JsonNode advanced = Json.parse(Sdk.postJson(base + "/clock/advance", "{\"days\":15}").body());
        assertEquals("subscription_activated", advanced.at("/events/0/event_type").asText());
        assertEquals("payment_failed", advanced.at("/events/1/event_type").asText());
        assertEquals(Subscription.Status.ACTIVE, Subscription.retrieve(subId).request(env).subscription().status());

        JsonNode requests = Json.parse(Sdk.get(base + "/requests").body());
        assertEquals("injected_fault", requests.get(0).get("outcome").asText());
        assertEquals("org_ctl", requests.get(0).at("/params/id").asText());
        JsonNode events = Json.parse(Sdk.get(base + "/events").body());
        assertEquals(sim.events().size(), events.size());

        assertEquals(200, Sdk.postJson(base + "/rate-limit", "{\"per_minute\":42}").statusCode());
        assertEquals(42, sim.rateLimitPerMinute());
        assertEquals(400, Sdk.postJson(base + "/clock/advance", "{}").statusCode());
        assertEquals(404, Sdk.get(base + "/nope").statusCode());
        assertNotNull(receiver.await(r -> true, 1));
    }
}
