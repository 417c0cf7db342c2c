package dev.billbridge.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.models.enums.PauseOption;
import com.chargebee.models.enums.ResumeOption;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sync.consume.ChargebeeEventsConsumer;
import dev.billbridge.sync.consume.SyncStats;
import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.LocalInfra;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The worker end to end: the simulator's real event bodies produced to chargebee.events as the
 * ingress does, consumed by the running service from the real broker into the real database.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncWorkerTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Kafka.Tail lifecycleTail;
    private static Kafka.Tail dlqTail;

    @Inject
    HookRecorder hooks;

    @Inject
    SyncStats stats;

    @Inject
    ChargebeeEventsConsumer consumer;

    @Inject
    DataSource dataSource;

    ChargebeeSimulator sim;
    Environment env;

    @BeforeEach
    void start() {
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        env = ChargebeeGateway.environment(sim.site(), sim.apiKey(), sim.apiBaseUrl());
        synchronized (SyncWorkerTest.class) {
            if (lifecycleTail == null) {
                lifecycleTail = new Kafka.Tail(Topics.BILLING_LIFECYCLE);
                dlqTail = new Kafka.Tail(Topics.CHARGEBEE_EVENTS_DLQ);
            }
        }
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    @Order(1)
    void eachEventTypeIsAppliedAndAnnouncedOnlyOnTransitions() throws Exception {
        String org = newOrg(true);
        List<String> lifecycle = new ArrayList<>();
        List<String> hookList = new ArrayList<>();

        String sub = step(() -> checkout(org, "starter-USD-monthly", null));
        assertRow(sub, "in_trial", "starter-USD-monthly", 1);
        expect(org, lifecycle, hookList, List.of("subscription.activated"), List.of("onSubscriptionComplete", "onTrialStart"));

        step(() -> sim.advanceClock(Duration.ofDays(15))); // subscription_activated + payment_succeeded
        assertRow(sub, "active", "starter-USD-monthly", 1);
        expect(org, lifecycle, hookList, List.of("subscription.changed"), List.of("onTrialEnd"));

        step(() -> com.chargebee.models.Subscription.updateForItems(sub).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 3).replaceItemsList(true).request(env));
        assertRow(sub, "active", "pro-USD-monthly", 3);
        assertEquals(1, itemCount(sub), "the replaced plan item is gone");
        expect(org, lifecycle, hookList, List.of("subscription.changed"), List.of());

        step(() -> com.chargebee.models.Subscription.cancelForItems(sub).endOfTerm(true).request(env));
        assertRow(sub, "non_renewing", "pro-USD-monthly", 3);
        expect(org, lifecycle, hookList, List.of("subscription.changed"), List.of());

        step(() -> com.chargebee.models.Subscription.removeScheduledCancellation(sub).request(env));
        assertRow(sub, "active", "pro-USD-monthly", 3);
        expect(org, lifecycle, hookList, List.of("subscription.changed"), List.of());

        step(() -> com.chargebee.models.Subscription.pause(sub).pauseOption(PauseOption.IMMEDIATELY).request(env));
        assertRow(sub, "paused", "pro-USD-monthly", 3);
        expect(org, lifecycle, hookList, List.of("subscription.changed"), List.of());

        step(() -> com.chargebee.models.Subscription.resume(sub).resumeOption(ResumeOption.IMMEDIATELY).request(env));
        assertRow(sub, "active", "pro-USD-monthly", 3);
        expect(org, lifecycle, hookList, List.of("subscription.activated"), List.of("onSubscriptionComplete"));

        sim.failNextPayment(org);
        List<String> renewal = stepTypes(() -> sim.advanceClock(Duration.ofDays(31)));
        assertTrue(renewal.contains("subscription_renewed") && renewal.contains("payment_failed"), renewal.toString());
        assertTrue(organization(org).delinquent);
        expect(org, lifecycle, hookList, List.of("organization.delinquent"), List.of());

        step(() -> sim.advanceClock(Duration.ofDays(3))); // the dunning retry succeeds
        assertFalse(organization(org).delinquent);
        expect(org, lifecycle, hookList, List.of("organization.recovered"), List.of());

        step(() -> com.chargebee.models.Subscription.cancelForItems(sub).endOfTerm(false).request(env));
        assertRow(sub, "cancelled", "pro-USD-monthly", 3);
        assertNotNull(row(sub).canceledAt);
        expect(org, lifecycle, hookList, List.of("subscription.cancelled"), List.of("onSubscriptionCancel"));

        List<String> reactivation = stepTypes(() -> {
            HostedPage hp = HostedPage.checkoutExistingForItems().subscriptionId(sub)
                    .subscriptionItemItemPriceId(0, "pro-USD-monthly").subscriptionItemQuantity(0, 3).request(env).hostedPage();
            sim.completeCheckout(hp.id());
        });
        assertTrue(reactivation.contains("subscription_reactivated"), reactivation.toString());
        assertRow(sub, "active", "pro-USD-monthly", 3);
        expect(org, lifecycle, hookList, List.of("subscription.activated"), List.of("onSubscriptionComplete"));

        List<String> deletion = stepTypes(() -> Customer.delete(org).request(env));
        assertEquals(List.of("subscription_deleted", "customer_deleted"), deletion);
        assertEquals("cancelled", row(sub).status);
        assertNull(organization(org).chargebeeCustomerId, "customer mapping cleared");
        expect(org, lifecycle, hookList, List.of("subscription.cancelled"), List.of("onSubscriptionCancel"));

        // a subscription that starts later: created as future (no grant), started when due
        String org2 = newOrg(true);
        long start = sim.now().plus(Duration.ofDays(1)).getEpochSecond();
        String future = step(() -> checkout(org2, "pro-USD-yearly", start));
        assertRow(future, "future", "pro-USD-yearly", 1);
        assertEquals(List.of(), lifecycleTypes(org2));
        List<String> started = stepTypes(() -> sim.advanceClock(Duration.ofDays(2)));
        assertTrue(started.contains("subscription_started"), started.toString());
        assertRow(future, "active", "pro-USD-yearly", 1);
        awaitEquals(List.of("subscription.activated"), () -> lifecycleTypes(org2));

        // redelivering everything (plus the customer_created events not delivered yet) announces nothing new
        deliver(sim.events());
        awaitEquals(lifecycle, () -> lifecycleTypes(org));
        assertEquals(hookList, hooks.of(org));
        awaitEquals(List.of("subscription.activated"), () -> lifecycleTypes(org2));
        // every event, including the ignored types (customer_created, payment_source_added), is in the message log
        for (String body : sim.events()) {
            assertTrue(processed(new JSONObject(body).getString("id")));
        }
    }

    @Test
    @Order(2)
    void tripledShuffledDeliveryEndsAtTheNewestSnapshot() throws Exception {
        String org = newOrg(true);
        String sub = checkout(org, "starter-USD-monthly", null);
        sim.advanceClock(Duration.ofDays(15));
        com.chargebee.models.Subscription.updateForItems(sub).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 2).replaceItemsList(true).request(env);
        sim.failNextPayment(org);
        sim.advanceClock(Duration.ofDays(31));
        com.chargebee.models.Subscription.cancelForItems(sub).endOfTerm(true).request(env);
        com.chargebee.models.Subscription.updateForItems(sub).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 4).request(env);
        com.chargebee.models.Subscription.cancelForItems(sub).endOfTerm(false).request(env);

        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            bodies.addAll(sim.events());
        }
        Collections.shuffle(bodies, new Random(42));
        deliver(bodies);

        JSONObject newest = newestSnapshot(sim.events(), sub);
        Subscription row = row(sub);
        assertEquals(newest.getLong("resource_version"), row.resourceVersion);
        assertEquals("cancelled", row.status);
        assertEquals(newest.getString("status"), row.status);
        assertEquals(4, row.seats);
        assertEquals("pro-USD-monthly", row.itemPriceId);
        assertEquals(Instant.ofEpochSecond(newest.getLong("cancelled_at")), row.canceledAt);
        assertEquals(Instant.ofEpochSecond(newest.getLong("current_term_end")), row.periodEnd);
        assertEquals(1, itemCount(sub));
        // the newest payment event was the failure: in arrival order a success came later in the shuffle
        assertTrue(organization(org).delinquent);
        // each transition announced at most once, whatever the shuffle did
        List<String> ids = lifecycleIds(org);
        assertEquals(new HashSet<>(ids).size(), ids.size(), ids.toString());
    }

    @Test
    @Order(3)
    void thePendingRowIsReconciledByEachLookupPath() throws Exception {
        // 2. the subscription's meta_data.subscriptionId (no organization known any other way)
        String org2 = newOrg(false);
        UUID pending2 = pendingRow(org2);
        customer(org2, new JSONObject());
        String sub2 = checkout(org2, "pro-USD-monthly", null);
        com.chargebee.models.Subscription.updateForItems(sub2)
                .metaData(new JSONObject().put("subscriptionId", pending2.toString())).request(env);
        List<String> events = sim.events();
        deliver(List.of(last(events, "subscription_changed", sub2)));
        assertEquals(pending2, row(sub2).id);
        assertEquals(org2, row(sub2).referenceId);
        deliver(List.of(last(events, "subscription_created", sub2))); // late, found by chargebee id, stale
        assertEquals("active", row(sub2).status);

        // 3. the customer's meta_data.pendingSubscriptionId
        String org3 = newOrg(false);
        UUID pending3 = pendingRow(org3);
        customer(org3, new JSONObject().put("pendingSubscriptionId", pending3.toString()));
        String sub3 = checkout(org3, "pro-USD-monthly", null);
        deliver(sim.events().stream().filter(b -> b.contains(org3)).toList());
        assertEquals(pending3, row(sub3).id);
        assertEquals("active", row(sub3).status);

        // 4. the future row of the reference, the reference from the customer's meta_data
        String org4 = newOrg(true);
        UUID pending4 = pendingRow(org4);
        String sub4 = checkout(org4, "starter-USD-monthly", null);
        deliver(sim.events().stream().filter(b -> b.contains(org4)).toList());
        assertEquals(pending4, row(sub4).id);
        assertEquals("in_trial", row(sub4).status);

        // 1. chargebee_subscription_id: later events land on the same row
        step(() -> sim.advanceClock(Duration.ofDays(15)));
        assertEquals(pending4, row(sub4).id);
        assertEquals("active", row(sub4).status);
        assertEquals(1L, QuarkusTransaction.requiringNew().call(() -> Subscription.count("referenceId", org4)));
    }

    @Test
    @Order(4)
    void malformedEventsGoToTheDeadLetterTopicWithTheirReason() throws Exception {
        String badJson = "bad-json-" + UUID.randomUUID();
        Kafka.produceRaw(badJson, "{\"id\": \"ev_broken\", \"event_type\": ", "ev_broken_" + badJson);
        String noSub = "no-subscription-" + UUID.randomUUID();
        Kafka.produceRaw(noSub, new JSONObject().put("id", "ev_" + noSub).put("event_type", "subscription_created")
                .put("occurred_at", 1).put("api_version", "v2").put("content", new JSONObject()).toString(), "ev_" + noSub);
        deliver(List.of()); // the sentinel behind them is applied: the worker moved on

        ConsumerRecord<String, String> dead = awaitOne(() -> dlqTail.keyed(badJson));
        assertTrue(header(dead, EventHeaders.DLQ_REASON).startsWith("malformed-event"), header(dead, EventHeaders.DLQ_REASON));
        assertEquals(Topics.CHARGEBEE_EVENTS, header(dead, EventHeaders.DLQ_TOPIC));
        assertNotNull(header(dead, EventHeaders.DLQ_PARTITION));
        assertNotNull(header(dead, EventHeaders.DLQ_OFFSET));
        assertEquals("ev_broken_" + badJson, header(dead, EventHeaders.EVENT_ID), "original headers kept");
        assertEquals("{\"id\": \"ev_broken\", \"event_type\": ", dead.value(), "original body kept");

        ConsumerRecord<String, String> invalid = awaitOne(() -> dlqTail.keyed(noSub));
        assertTrue(header(invalid, EventHeaders.DLQ_REASON).startsWith("invalid-event"), header(invalid, EventHeaders.DLQ_REASON));
        assertFalse(processed("ev_" + noSub), "a dead-lettered event is not recorded as applied");
    }

    @Test
    @Order(5)
    void aDatabaseOutageMidStreamPausesAndLosesNothing() throws Exception {
        Assumptions.assumeTrue(LocalInfra.get().controllable(), "reused infrastructure cannot be stopped");
        String org = newOrg(true);
        String sub = checkout(org, "starter-USD-monthly", null);
        deliver(sim.events());
        int mark = sim.events().size();
        sim.advanceClock(Duration.ofDays(15));
        com.chargebee.models.Subscription.updateForItems(sub).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                .subscriptionItemQuantity(0, 7).replaceItemsList(true).request(env);
        com.chargebee.models.Subscription.cancelForItems(sub).endOfTerm(false).request(env);
        List<String> rest = sim.events().subList(mark, sim.events().size());
        long pausesBefore = stats.databasePauses.get();
        long deadBefore = stats.deadLettered.get();

        LocalInfra.get().stopPostgres();
        try {
            Kafka.produce(rest);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (stats.databasePauses.get() == pausesBefore && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(stats.databasePauses.get() > pausesBefore, "the worker met the outage and paused");
        } finally {
            LocalInfra.get().startPostgres();
        }
        deliver(List.of());
        for (String body : rest) {
            assertTrue(processed(new JSONObject(body).getString("id")));
        }
        assertEquals(deadBefore, stats.deadLettered.get(), "nothing dead-lettered");
        assertTrue(dlqTail.keyed(org).isEmpty());
        Subscription row = row(sub);
        assertEquals("cancelled", row.status);
        assertEquals(7, row.seats);
        assertEquals(newestSnapshot(sim.events(), sub).getLong("resource_version"), row.resourceVersion);
    }

    @Test
    @Order(6)
    void replayingTheTopicFromOffsetZeroLeavesTheDatabaseUnchanged() throws Exception {
        deliver(List.of()); // the live consumer is idle
        String before = dump();
        long lifecycleBefore = endOffsets(Topics.BILLING_LIFECYCLE);
        int replayed = 0;
        try (KafkaConsumer<String, String> replay = Kafka.consumer("sync-worker-replay-" + UUID.randomUUID())) {
            List<TopicPartition> parts = replay.partitionsFor(Topics.CHARGEBEE_EVENTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            replay.assign(parts);
            replay.seekToBeginning(parts);
            Map<TopicPartition, Long> end = replay.endOffsets(parts);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (parts.stream().anyMatch(p -> replay.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    fail("replay did not reach the end of the topic");
                }
                ConsumerRecords<String, String> records = replay.poll(Duration.ofMillis(500));
                replayed += records.count();
                consumer.consume(records); // the worker's own entry point, as after an offset reset
            }
        }
        assertTrue(replayed > 50, "replayed " + replayed);
        assertEquals(before, dump(), "rows identical after the replay");
        assertEquals(lifecycleBefore, endOffsets(Topics.BILLING_LIFECYCLE), "no lifecycle record announced twice");
    }

    // ------------------------------------------------------------------ steps and assertions

    interface Action<T> {
        T run() throws Exception;
    }

    interface VoidAction {
        void run() throws Exception;
    }

    /** Runs the action against the simulator, delivers the events it emitted, and waits until they are applied. */
    private <T> T step(Action<T> action) throws Exception {
        int mark = sim.events().size();
        T result = action.run();
        List<String> all = sim.events();
        deliver(all.subList(mark, all.size()));
        return result;
    }

    private void step(VoidAction action) throws Exception {
        stepTypes(action);
    }

    private List<String> stepTypes(VoidAction action) throws Exception {
        int mark = sim.events().size();
        action.run();
        List<String> all = sim.events();
        List<String> emitted = all.subList(mark, all.size());
        deliver(emitted);
        return emitted.stream().map(b -> new JSONObject(b).getString("event_type")).toList();
    }

    /**
     * Produces the bodies plus a sentinel of an unknown type, and waits until all are in the message
     * log. The worker applies polls one after another and acks a poll only after announcing it, so
     * once the sentinel is recorded every lifecycle record of the bodies is on the broker.
     */
    private void deliver(List<String> bodies) {
        String sentinel = new JSONObject().put("id", "ev_sentinel_" + UUID.randomUUID()).put("event_type", "test_sentinel")
                .put("occurred_at", Instant.now().getEpochSecond()).put("api_version", "v2")
                .put("content", new JSONObject()).toString();
        List<String> all = new ArrayList<>(bodies);
        all.add(sentinel);
        Kafka.produce(all);
        Set<String> ids = new HashSet<>();
        all.forEach(b -> ids.add(new JSONObject(b).getString("id")));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                long done = QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.count(
                        "source = 'chargebee' and consumer = 'sync-worker' and eventId in ?1", ids));
                if (done == ids.size()) {
                    return;
                }
            } catch (RuntimeException e) {
                // a pooled connection from before a database restart; the next attempt gets a fresh one
            }
            sleep(100);
        }
        fail("events not applied within " + WAIT);
    }

    private void expect(String org, List<String> lifecycle, List<String> hookList, List<String> newLifecycle,
                        List<String> newHooks) {
        lifecycle.addAll(newLifecycle);
        hookList.addAll(newHooks);
        awaitEquals(lifecycle, () -> lifecycleTypes(org));
        assertEquals(hookList, hooks.of(org));
    }

    private static void awaitEquals(Object expected, Supplier<Object> actual) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            last = actual.get();
            if (expected.equals(last)) {
                return;
            }
            sleep(100);
        }
        assertEquals(expected, last);
    }

    private static <T> T awaitOne(Supplier<List<T>> s) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<T> l = s.get();
            if (!l.isEmpty()) {
                return l.get(0);
            }
            sleep(100);
        }
        throw new AssertionError("nothing arrived within " + WAIT);
    }

    private static List<String> lifecycleTypes(String org) {
        return lifecycleTail.keyed(org).stream().map(r -> new JSONObject(r.value()).getString("type")).toList();
    }

    private static List<String> lifecycleIds(String org) {
        return lifecycleTail.keyed(org).stream().map(r -> new JSONObject(r.value()).getString("id")).toList();
    }

    private static void assertRow(String chargebeeId, String status, String price, int seats) {
        Subscription row = row(chargebeeId);
        assertEquals(status, row.status);
        assertEquals(price, row.itemPriceId);
        assertEquals(seats, row.seats);
    }

    private static Subscription row(String chargebeeId) {
        return QuarkusTransaction.requiringNew().call(() -> Subscription.byChargebeeId(chargebeeId)
                .orElseThrow(() -> new AssertionError("no row for " + chargebeeId)));
    }

    private static int itemCount(String chargebeeId) {
        return QuarkusTransaction.requiringNew().call(() -> Subscription.byChargebeeId(chargebeeId).orElseThrow().items.size());
    }

    private static Organization organization(String id) {
        return QuarkusTransaction.requiringNew().call(() -> Organization.<Organization>findById(id));
    }

    private static boolean processed(String eventId) {
        return QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.seen("chargebee", eventId, "sync-worker"));
    }

    private static UUID pendingRow(String org) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Subscription row = new Subscription();
            row.referenceId = org;
            row.status = "future";
            row.persist();
            return row.id;
        });
    }

    /** A new organization; with {@code linked}, a local row mapping it to its customer and the customer's meta_data. */
    private String newOrg(boolean linked) throws Exception {
        String org = "org_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        if (linked) {
            QuarkusTransaction.requiringNew().run(() -> {
                Organization o = new Organization();
                o.id = org;
                o.chargebeeCustomerId = org;
                o.persist();
            });
            customer(org, new JSONObject().put("organizationId", org));
        }
        return org;
    }

    private void customer(String id, JSONObject meta) throws Exception {
        Customer.CreateRequest r = Customer.create().id(id).company("Co " + id);
        if (meta.length() > 0) {
            r.metaData(meta);
        }
        r.request(env);
    }

    private String checkout(String customerId, String price, Long startDate) throws Exception {
        HostedPage.CheckoutNewForItemsRequest r = HostedPage.checkoutNewForItems()
                .subscriptionItemItemPriceId(0, price).customerId(customerId);
        if (startDate != null) {
            r.subscriptionStartDate(new Timestamp(startDate * 1000));
        }
        HostedPage hp = r.request(env).hostedPage();
        sim.completeCheckout(hp.id());
        return HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
    }

    private static String last(List<String> bodies, String type, String subscriptionId) {
        for (int i = bodies.size() - 1; i >= 0; i--) {
            JSONObject ev = new JSONObject(bodies.get(i));
            JSONObject s = ev.getJSONObject("content").optJSONObject("subscription");
            if (type.equals(ev.getString("event_type")) && s != null && subscriptionId.equals(s.getString("id"))) {
                return bodies.get(i);
            }
        }
        throw new AssertionError("no " + type);
    }

    private static JSONObject newestSnapshot(List<String> bodies, String subscriptionId) {
        JSONObject newest = null;
        for (String b : bodies) {
            JSONObject s = new JSONObject(b).getJSONObject("content").optJSONObject("subscription");
            if (s != null && subscriptionId.equals(s.getString("id"))
                    && (newest == null || s.getLong("resource_version") > newest.getLong("resource_version"))) {
                newest = s;
            }
        }
        return newest;
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long endOffsets(String topic) {
        try (KafkaConsumer<String, String> c = Kafka.consumer("offsets-" + UUID.randomUUID())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Every row of the tables the worker writes, in a stable order, as text. */
    private String dump() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            for (String q : List.of("select * from organization order by id",
                    "select * from subscription order by id",
                    "select * from subscription_item order by subscription_id, item_price_id",
                    "select * from processed_event order by source, event_id, consumer")) {
                try (ResultSet rs = st.executeQuery(q)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            sb.append(rs.getString(i)).append('|');
                        }
                        sb.append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
