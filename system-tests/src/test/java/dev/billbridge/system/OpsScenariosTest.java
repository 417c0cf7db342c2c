package dev.billbridge.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.models.Subscription;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.system.Stack.Service;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operators' recovery runbook, end to end: packaged ingress and sync-worker processes, the real broker
 * and database, the Chargebee simulator, and the packaged billbridge-ops jar as a process.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpsScenariosTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SYNC_GROUP = "sync-worker";

    private static Stack stack;
    private static Environment env;

    @BeforeAll
    static void up() {
        stack = Stack.builder("ops-scenarios")
                .services(Service.WEBHOOK_INGRESS, Service.PROVISIONING_WORKER, Service.SYNC_WORKER)
                // 5xx: one retry, then the DLQ (the default backs off for half a minute first)
                .env(Service.PROVISIONING_WORKER, "PROVISIONING_CHARGEBEE_MAX_RETRIES", "1")
                .start();
        env = stack.chargebeeEnv();
    }

    @AfterAll
    static void down() {
        if (stack != null) {
            stack.close();
        }
    }

    /** Organizations this class created: other classes share the topics and tables (see {@link #dump()}). */
    private static final Set<String> OWN_ORGS = new LinkedHashSet<>();

    private static String unique(String prefix) {
        String id = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        OWN_ORGS.add(id);
        return id;
    }

    private static void customer(String id, String org) throws Exception {
        var c = Customer.create().id(id).company("Company " + id);
        if (org != null) {
            c = c.metaData(new JSONObject(Map.of("organizationId", org, "customerType", "organization")));
        }
        c.request(env);
    }

    private static String checkout(String customerId, String itemPrice, int seats) throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, itemPrice)
                .subscriptionItemQuantity(0, seats).customerId(customerId).redirectUrl("https://app.example/done")
                .request(env).hostedPage();
        stack.chargebee().completeCheckout(hp.id());
        return Subscription.list().customerId().is(customerId).request(env).get(0).subscription().id();
    }

    private static String row(String chargebeeSubscriptionId) {
        List<String> rows = stack.queryRows("select reference_id, status, item_price_id, seats, resource_version "
                + "from subscription where chargebee_subscription_id = ?", chargebeeSubscriptionId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static List<ConsumerRecord<byte[], byte[]>> keyed(String topic, String key) {
        return stack.records(topic).stream()
                .filter(r -> r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))).toList();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void aWebhookThatWasNeverDeliveredIsRepairedByReconcile() throws Exception {
        String org = unique("org_lost");
        stack.chargebeeGate().drop(true);
        String sub;
        try {
            customer(org, org);
            sub = checkout(org, "pro-USD-monthly", 3);
            assertTrue(stack.chargebee().awaitWebhooksIdle(Duration.ofSeconds(30)));
        } finally {
            stack.chargebeeGate().drop(false);
        }
        assertTrue(stack.chargebeeGate().dropped() > 0, "the subscription's webhooks were lost");
        assertEquals(0, keyed(Topics.CHARGEBEE_EVENTS, org).size(), "nothing of this organization reached Kafka");
        long version = Subscription.retrieve(sub).request(env).subscription().resourceVersion();

        Stack.OpsRun dry = stack.ops("reconcile", "--org", org, "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("reconcile_" + sub + "_" + version), dry.toString());
        assertEquals(0, keyed(Topics.CHARGEBEE_EVENTS, org).size(), "a dry run publishes nothing");

        Stack.OpsRun run = stack.ops("reconcile", "--org", org);
        assertEquals(0, run.exit(), run.toString());
        String expected = org + "\tactive\tpro-USD-monthly\t3\t" + version;
        Stack.await("the lost subscription in the cache", WAIT, () -> expected.equals(row(sub)));

        // reconciling a correct organization changes nothing (same event ids, skipped as processed)
        Stack.OpsRun again = stack.ops("reconcile", "--org", org);
        assertEquals(0, again.exit(), again.toString());
        stack.awaitCaughtUp(SYNC_GROUP, Topics.CHARGEBEE_EVENTS, WAIT);
        assertEquals(expected, row(sub));
        assertEquals(1, stack.queryLong("select count(*) from subscription where reference_id = ?", org));
    }

    @Test
    @Order(2)
    void aPoisonEventInTheDlqIsRedrivenOnceAfterTheCauseIsFixed() throws Exception {
        // a customer nobody can map to an organization (no meta_data, no local row): the sync-worker dead-letters
        String cust = unique("cus_orphan");
        String org = unique("org_orphan");
        customer(cust, null);
        String sub = checkout(cust, "pro-USD-monthly", 2);
        assertTrue(stack.chargebee().awaitWebhooksIdle(Duration.ofSeconds(30)));
        Stack.await("the events reached the topic", WAIT, () -> !keyed(Topics.CHARGEBEE_EVENTS, cust).isEmpty());
        stack.awaitCaughtUp(SYNC_GROUP, Topics.CHARGEBEE_EVENTS, WAIT);
        List<ConsumerRecord<byte[], byte[]>> dead = keyed(Topics.CHARGEBEE_EVENTS_DLQ, cust);
        assertFalse(dead.isEmpty(), "the unmappable events were dead-lettered");
        Set<String> ids = new LinkedHashSet<>();
        dead.forEach(r -> ids.add(header(r, EventHeaders.EVENT_ID)));
        assertTrue(dead.stream().allMatch(r -> Topics.CHARGEBEE_EVENTS.equals(header(r, EventHeaders.DLQ_TOPIC))));
        assertEquals(null, row(sub));
        int onTopic = keyed(Topics.CHARGEBEE_EVENTS, cust).size();
        String idList = String.join(",", ids);

        // fix the cause: the organization's mapping, as provisioning would have written it
        stack.update("insert into organization (id, display_name, chargebee_customer_id) values (?, ?, ?)", org, "Orphan", cust);

        Stack.OpsRun dry = stack.ops("redrive", Topics.CHARGEBEE_EVENTS_DLQ, "--event-id", idList, "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("would send " + dead.size()), dry.toString());
        assertEquals(onTopic, keyed(Topics.CHARGEBEE_EVENTS, cust).size(), "a dry run sends nothing");

        Stack.OpsRun run = stack.ops("redrive", Topics.CHARGEBEE_EVENTS_DLQ, "--event-id", idList);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("sent " + dead.size() + ", already redriven 0"), run.toString());
        Stack.await("the redriven subscription in the cache", WAIT, () -> row(sub) != null && row(sub).startsWith(org + "\tactive\t"));
        stack.awaitCaughtUp(SYNC_GROUP, Topics.CHARGEBEE_EVENTS, WAIT);
        assertEquals(dead.size(), keyed(Topics.CHARGEBEE_EVENTS_DLQ, cust).size(), "applied: nothing dead-lettered again");
        assertEquals(onTopic + dead.size(), keyed(Topics.CHARGEBEE_EVENTS, cust).size(), "each sent back once");
        assertEquals(1, stack.queryLong("select count(*) from subscription where chargebee_customer_id = ?", cust));

        Stack.OpsRun second = stack.ops("redrive", Topics.CHARGEBEE_EVENTS_DLQ, "--event-id", idList);
        assertEquals(0, second.exit(), second.toString());
        assertTrue(second.out().contains("sent 0, already redriven " + dead.size()), second.toString());
        assertEquals(onTopic + dead.size(), keyed(Topics.CHARGEBEE_EVENTS, cust).size(), "a second redrive sends nothing");
    }

    @Test
    @Order(3)
    void anOrganizationDeadLetteredByChargebeeOutageIsProvisionedOnceByRedrive() throws Exception {
        stack.chargebee().failNext(1_000, 500);   // Chargebee answers 500 to everything
        String org;
        try {
            org = stack.scalekit().createOrganization("Outage Inc").organizationId();
            assertTrue(stack.scalekit().awaitWebhooksIdle(Duration.ofSeconds(30)));
            Stack.await("organization.created dead-lettered", WAIT,
                    () -> !keyed(Topics.SCALEKIT_EVENTS_DLQ, org).isEmpty());
        } finally {
            stack.chargebee().clearFaults();   // the outage is over
        }
        List<ConsumerRecord<byte[], byte[]>> dead = keyed(Topics.SCALEKIT_EVENTS_DLQ, org);
        assertEquals(1, dead.size());
        String eventId = header(dead.get(0), EventHeaders.EVENT_ID);
        assertEquals(Topics.SCALEKIT_EVENTS, header(dead.get(0), EventHeaders.DLQ_TOPIC));
        assertEquals(0, stack.queryLong("select count(*) from organization where id = ? and chargebee_customer_id is not null", org));

        Stack.OpsRun run = stack.ops("redrive", Topics.SCALEKIT_EVENTS_DLQ, "--event-id", eventId);
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("sent 1, already redriven 0"), run.toString());
        Stack.await("the organization provisioned", WAIT, () -> stack.queryLong(
                "select count(*) from organization where id = ? and chargebee_customer_id = ?", org, org) == 1);
        stack.awaitCaughtUp("provisioning-worker", Topics.SCALEKIT_EVENTS, WAIT);

        Stack.OpsRun second = stack.ops("redrive", Topics.SCALEKIT_EVENTS_DLQ, "--event-id", eventId);
        assertEquals(0, second.exit(), second.toString());
        assertTrue(second.out().contains("sent 0, already redriven 1"), second.toString());
        stack.awaitCaughtUp("provisioning-worker", Topics.SCALEKIT_EVENTS, WAIT);
        assertEquals(2, keyed(Topics.SCALEKIT_EVENTS, org).size(), "the original and exactly one redrive");
        assertEquals(1, keyed(Topics.SCALEKIT_EVENTS_DLQ, org).size(), "not dead-lettered again");
        long created = stack.chargebee().requestLog().stream().filter(e -> e.method().equals("POST")
                && e.path().endsWith("/customers") && e.status() == 200 && org.equals(e.params().get("id"))).count();
        assertEquals(1, created, "one Chargebee customer created");
        assertEquals(1, stack.queryLong("select count(*) from processed_event where event_id = ?", eventId));
    }

    private static final String DUMP = "select chargebee_subscription_id, reference_id, chargebee_customer_id, status, "
            + "item_price_id, seats, period_start, period_end, trial_start, trial_end, canceled_at, resource_version, "
            + "metadata from subscription where reference_id in (%s) order by chargebee_subscription_id, reference_id";
    private static final String ITEMS = "select s.chargebee_subscription_id, i.item_price_id, i.item_type, i.quantity, "
            + "i.unit_price, i.amount from subscription_item i join subscription s on s.id = i.subscription_id "
            + "where s.reference_id in (%s) order by 1, 2";

    /**
     * This class's rows only. Another class in the same JVM (the journey) leaves rows that billing-api
     * created before any event existed (a checkout's pending row); a replay rebuilds those from events,
     * so their local-only fields cannot be expected to come back, and they are not this test's subject.
     */
    private static List<String> dump() {
        String own = String.join(",", OWN_ORGS.stream().map(o -> "'" + o.replace("'", "''") + "'").toList());
        List<String> d = new ArrayList<>(stack.queryRows(DUMP.formatted(own)));
        d.add("--- items");
        d.addAll(stack.queryRows(ITEMS.formatted(own)));
        return d;
    }

    @Test
    @Order(4)
    void aTruncatedCacheIsRestoredExactlyByReplayFromTheBeginning() throws Exception {
        String a = unique("org_replay_a");
        String b = unique("org_replay_b");
        customer(a, a);
        customer(b, b);
        String subA = checkout(a, "starter-USD-monthly", 1);   // in_trial
        String subB = checkout(b, "pro-USD-monthly", 4);       // active, then cancelled
        Subscription.cancelForItems(subB).request(env);
        assertTrue(stack.chargebee().awaitWebhooksIdle(Duration.ofSeconds(30)));
        Stack.await("both subscriptions in the cache", WAIT, () -> row(subA) != null && row(subA).contains("\tin_trial\t")
                && row(subB) != null && row(subB).contains("\tcancelled\t"));
        stack.awaitCaughtUp(SYNC_GROUP, Topics.CHARGEBEE_EVENTS, WAIT);
        List<String> before = dump();

        Stack.OpsRun refused = stack.ops("replay", "--group", SYNC_GROUP, "--topic", Topics.CHARGEBEE_EVENTS, "--from-beginning");
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("refused") && refused.err().contains("active member"), refused.toString());

        stack.stop(Service.SYNC_WORKER);
        // the "bug": the cache and the worker's message log are gone
        stack.update("truncate subscription cascade");
        stack.update("delete from processed_event where consumer = ?", SYNC_GROUP);
        assertEquals(0, stack.queryLong("select count(*) from subscription"));

        Stack.OpsRun dry = stack.ops("replay", "--group", SYNC_GROUP, "--topic", Topics.CHARGEBEE_EVENTS, "--from-beginning", "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("would be delivered again"), dry.toString());
        Stack.OpsRun lag = stack.ops("lag", "--group", SYNC_GROUP);
        assertEquals(0, lag.exit(), lag.toString());
        assertTrue(lag.out().lines().filter(l -> l.startsWith(SYNC_GROUP)).allMatch(l -> l.trim().matches(".*\\s0\\s+-$")),
                "a dry run leaves the group caught up (lag 0 everywhere): " + lag);

        Stack.OpsRun replay = stack.ops("replay", "--group", SYNC_GROUP, "--topic", Topics.CHARGEBEE_EVENTS, "--from-beginning");
        assertEquals(0, replay.exit(), replay.toString());
        stack.start(Service.SYNC_WORKER);
        try {
            Stack.await("the cache restored", WAIT, () -> before.equals(dump()));
        } catch (AssertionError timedOut) {
            assertEquals(String.join("\n", before), String.join("\n", dump()), "cache after replay (the wait timed out)");
        }
        stack.awaitCaughtUp(SYNC_GROUP, Topics.CHARGEBEE_EVENTS, WAIT);
        assertEquals(before, dump(), "identical after the whole topic was applied");
    }
}
