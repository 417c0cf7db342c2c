package dev.billbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.models.Subscription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** reconcile against the Chargebee simulator and the real broker (the sync-worker's side is in system-tests). */
class ReconcileTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ChargebeeSimulator sim;
    private static Environment env;

    @BeforeAll
    static void start() {
        Ops.migrate();
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        env = ChargebeeGateway.environment(sim.site(), sim.apiKey(), sim.apiBaseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private Ops.Result reconcile(String... args) {
        List<String> a = new ArrayList<>(List.of("--chargebee-site", sim.site(), "--chargebee-api-key", sim.apiKey(),
                "--chargebee-api-base-url", sim.apiBaseUrl()));
        a.addAll(List.of(args));
        return Ops.run("reconcile", a.toArray(String[]::new));
    }

    private static void subscribe(String org, String itemPrice) throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, itemPrice)
                .subscriptionItemQuantity(0, 2).customerId(org).redirectUrl("https://app.example/ok")
                .request(env).hostedPage();
        sim.completeCheckout(hp.id());
    }

    private static List<ConsumerRecord<byte[], byte[]>> ours(String org) {
        return Ops.readAll(Topics.CHARGEBEE_EVENTS).stream()
                .filter(r -> org.equals(Ops.str(r.key()))).toList();
    }

    @Test
    void publishesCustomerAndEverySubscriptionPageAsSnapshotEvents() throws Exception {
        String org = Ops.unique("org_rec");
        Customer.create().id(org).company("Acme").request(env);
        subscribe(org, "pro-USD-monthly");
        subscribe(org, "pro-USD-yearly");
        subscribe(org, "starter-USD-monthly");
        Set<String> subIds = Subscription.list().customerId().is(org).request(env).stream()
                .map(e -> e.subscription().id()).collect(Collectors.toSet());
        assertEquals(3, subIds.size());

        Ops.Result dry = reconcile("--org", org, "--dry-run", "--page-size", "1");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("dry run: nothing published"), dry.toString());
        assertEquals(0, ours(org).size(), "a dry run publishes nothing");

        sim.clearRequestLog();
        sim.failNext(1, 429);   // the site's rate limit answers once: waited out, not fatal
        Ops.Result r = reconcile("--org", org, "--page-size", "1");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("reconcile: 1/1"), "progress is shown: " + r);
        long listCalls = sim.requestLog().stream()
                .filter(e -> e.path().endsWith("/subscriptions") && e.status() == 200).count();
        assertTrue(listCalls >= 3, "paged through 3 subscriptions one per page: " + listCalls);

        List<ConsumerRecord<byte[], byte[]>> records = ours(org);
        assertEquals(4, records.size(), "one customer snapshot and three subscription snapshots");
        Set<String> seen = new java.util.HashSet<>();
        for (ConsumerRecord<byte[], byte[]> rec : records) {
            JsonNode e = JSON.readTree(rec.value());
            assertEquals("v2", e.get("api_version").asText());
            assertEquals("event", e.get("object").asText());
            assertEquals(Ops.header(rec, EventHeaders.EVENT_ID), e.get("id").asText());
            assertEquals(Ops.header(rec, EventHeaders.EVENT_TYPE), e.get("event_type").asText());
            assertEquals(EventHeaders.SOURCE_CHARGEBEE, Ops.header(rec, EventHeaders.SOURCE));
            assertTrue(Ops.header(rec, EventHeaders.RECEIVED_AT) != null);
            assertEquals(org, e.path("content").path("customer").path("id").asText());
            // the SDK parses it as a Chargebee event (as the sync-worker may)
            new com.chargebee.models.Event(new String(rec.value(), java.nio.charset.StandardCharsets.UTF_8));
            if (e.path("content").has("subscription")) {
                JsonNode sub = e.path("content").path("subscription");
                assertEquals("reconcile_" + sub.get("id").asText() + "_" + sub.get("resource_version").asText(),
                        e.get("id").asText());
                seen.add(sub.get("id").asText());
            }
        }
        assertEquals(subIds, seen);

        // unchanged in Chargebee: the same deterministic ids again (the worker skips them as processed)
        Ops.Result twice = reconcile("--org", org);
        assertEquals(0, twice.exit(), twice.toString());
        Set<String> ids = ours(org).stream().map(x -> Ops.header(x, EventHeaders.EVENT_ID)).collect(Collectors.toSet());
        assertEquals(4, ids.size(), "no new event ids when nothing changed: " + ids);
    }

    @Test
    void paceIsKeptUnderTheRateLimit() throws Exception {
        String org = Ops.unique("org_pace");
        Customer.create().id(org).company("Paced").request(env);
        subscribe(org, "pro-USD-monthly");
        subscribe(org, "pro-USD-yearly");
        sim.clearRequestLog();
        Ops.Result r = reconcile("--org", org, "--page-size", "1", "--rate-limit", "120");
        assertEquals(0, r.exit(), r.toString());
        var times = sim.requestLog().stream().filter(e -> e.status() == 200).map(e -> e.time().toEpochMilli()).sorted().toList();
        assertTrue(times.size() >= 3, times.toString());
        for (int i = 1; i < times.size(); i++) {
            // 120/min is one request per 500 ms; allow for clock granularity
            assertTrue(times.get(i) - times.get(i - 1) >= 450, "requests spaced: " + times);
        }
    }

    @Test
    void anOrganizationWithoutACustomerIsAFailure() {
        Ops.Result r = reconcile("--org", Ops.unique("org_missing"));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("no Chargebee customer"), r.toString());
    }

    @Test
    void allReconcilesEveryLiveOrganizationThroughItsCustomerMapping() throws Exception {
        String orgA = Ops.unique("org_all_a");
        String custA = Ops.unique("cus_all_a");   // mapped by the organization row, not equal to the org id
        String orgGone = Ops.unique("org_all_deleted");
        Customer.create().id(custA).company("All A").request(env);
        subscribe(custA, "pro-USD-monthly");
        var i = Ops.infra();
        try (var c = java.sql.DriverManager.getConnection(i.jdbcUrl(), i.username(), i.password());
             var st = c.createStatement()) {
            st.executeUpdate("insert into organization (id, chargebee_customer_id) values ('" + orgA + "', '" + custA + "')");
            st.executeUpdate("insert into organization (id, deleted_at) values ('" + orgGone + "', now())");
        }
        Ops.Result r = reconcile("--all");
        // every live organization in this JVM's database is one of ours or another test's; all have customers
        assertTrue(r.out().contains(orgA + ": publish reconcile_" + custA + "_"), r.toString());
        assertTrue(!r.out().contains(orgGone), "deleted organizations are skipped: " + r);
        assertEquals(2, Ops.readAll(Topics.CHARGEBEE_EVENTS).stream().filter(x -> custA.equals(Ops.str(x.key()))).count(),
                "customer and subscription, keyed by the mapped customer id");
        assertEquals(0, r.exit(), r.toString());
    }
}
