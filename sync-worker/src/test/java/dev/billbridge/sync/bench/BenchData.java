package dev.billbridge.sync.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Future;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.testing.LocalInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Fills a fresh topic with {@link #SUBSCRIPTIONS} x {@link #EVENTS_PER_SUBSCRIPTION} Chargebee events
 * before the worker starts, and points the worker's channel at it with a fresh consumer group.
 *
 * <p>The bodies are the simulator's: one subscription's real lifecycle (created in trial, activated
 * with payment, seats changed, renewal whose payment fails, dunning retry succeeds, cancellation
 * scheduled and removed, cancelled) is recorded once, then stamped out per subscription with its own
 * subscription, customer/organization and event ids. Subscriptions are interleaved at random and
 * 10% of neighbouring events of a subscription arrive swapped, so ordering by resource_version and
 * stale-skipping are exercised.
 */
public class BenchData implements QuarkusTestResourceLifecycleManager {

    public static final int SUBSCRIPTIONS = Integer.getInteger("bench.subscriptions", 10_000);
    public static final int EVENTS_PER_SUBSCRIPTION = 10;
    public static final String TOPIC = "bench.chargebee.events." + System.currentTimeMillis();

    static List<String> template;
    static String templateSub;
    static String templateCustomer;
    static long newestVersion;
    static String newestStatus;

    @Override
    public Map<String, String> start() {
        try {
            record();
            produce();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> c = new HashMap<>(LocalInfra.get().quarkusConfig());
        c.put("mp.messaging.incoming.chargebee-events.topic", TOPIC);
        c.put("mp.messaging.incoming.chargebee-events.group.id", "sync-worker-bench-" + System.currentTimeMillis());
        // the test reads these through config: it may run in another class loader than this resource
        c.put("bench.newest-version", String.valueOf(newestVersion));
        c.put("bench.newest-status", newestStatus);
        c.put("bench.total", String.valueOf(SUBSCRIPTIONS * EVENTS_PER_SUBSCRIPTION));
        c.put("bench.subscriptions", String.valueOf(SUBSCRIPTIONS));
        return c;
    }

    @Override
    public void stop() {
    }

    /** One subscription's real lifecycle from the simulator: exactly the events that carry it. */
    private static void record() throws Exception {
        try (ChargebeeSimulator sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0))) {
            Environment env = ChargebeeGateway.environment(sim.site(), sim.apiKey(), sim.apiBaseUrl());
            templateCustomer = "tplcustomer0000000001";
            Customer.create().id(templateCustomer).metaData(new JSONObject().put("organizationId", templateCustomer))
                    .request(env);
            HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "starter-USD-monthly")
                    .customerId(templateCustomer).request(env).hostedPage();
            sim.completeCheckout(hp.id());
            templateSub = HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
            sim.advanceClock(Duration.ofDays(15));
            com.chargebee.models.Subscription.updateForItems(templateSub).subscriptionItemItemPriceId(0, "pro-USD-monthly")
                    .subscriptionItemQuantity(0, 5).replaceItemsList(true).request(env);
            sim.failNextPayment(templateCustomer);
            sim.advanceClock(Duration.ofDays(31));
            sim.advanceClock(Duration.ofDays(3));
            com.chargebee.models.Subscription.cancelForItems(templateSub).endOfTerm(true).request(env);
            com.chargebee.models.Subscription.removeScheduledCancellation(templateSub).request(env);
            com.chargebee.models.Subscription.cancelForItems(templateSub).endOfTerm(false).request(env);
            template = new ArrayList<>();
            for (String body : sim.events()) {
                JSONObject s = new JSONObject(body).getJSONObject("content").optJSONObject("subscription");
                if (s != null) {
                    template.add(body);
                    if (s.getLong("resource_version") > newestVersion) {
                        newestVersion = s.getLong("resource_version");
                        newestStatus = s.getString("status");
                    }
                }
            }
        }
        if (template.size() != EVENTS_PER_SUBSCRIPTION) {
            throw new IllegalStateException("template has " + template.size() + " events, not " + EVENTS_PER_SUBSCRIPTION);
        }
    }

    static String subscriptionId(int i) {
        return String.format("bsub%013d", i);
    }

    static String customerId(int i) {
        return String.format("borg%017d", i);
    }

    private static String body(int sub, int k) {
        String b = template.get(k);
        String eventId = new JSONObject(b).getString("id");
        return b.replace(templateSub, subscriptionId(sub)).replace(templateCustomer, customerId(sub))
                .replace(eventId, String.format("ev_b%07d_%02d", sub, k));
    }

    private static void produce() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.get().bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
        }
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // a random interleaving of the subscriptions, each in its own order but for 10% swapped neighbours
        Random rnd = new Random(7);
        int[] next = new int[SUBSCRIPTIONS];
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < SUBSCRIPTIONS; i++) {
            open.add(i);
        }
        long started = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            List<Future<?>> pending = new ArrayList<>();
            while (!open.isEmpty()) {
                int slot = rnd.nextInt(open.size());
                int sub = open.get(slot);
                int k = next[sub];
                int[] order = {k};
                if (k + 1 < EVENTS_PER_SUBSCRIPTION && rnd.nextInt(10) == 0) {
                    order = new int[] {k + 1, k};
                }
                for (int e : order) {
                    ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, customerId(sub), body(sub, e));
                    r.headers().add(EventHeaders.EVENT_ID, String.format("ev_b%07d_%02d", sub, e).getBytes(StandardCharsets.UTF_8));
                    r.headers().add(EventHeaders.SOURCE, EventHeaders.SOURCE_CHARGEBEE.getBytes(StandardCharsets.UTF_8));
                    r.headers().add(EventHeaders.RECEIVED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
                    pending.add(producer.send(r));
                }
                next[sub] += order.length;
                if (next[sub] >= EVENTS_PER_SUBSCRIPTION) {
                    open.set(slot, open.get(open.size() - 1));
                    open.remove(open.size() - 1);
                }
                if (pending.size() >= 5000) {
                    for (Future<?> f : pending) {
                        f.get();
                    }
                    pending.clear();
                }
            }
            for (Future<?> f : pending) {
                f.get();
            }
        }
        System.out.printf("bench: produced %d events to %s in %d ms%n", SUBSCRIPTIONS * EVENTS_PER_SUBSCRIPTION, TOPIC,
                (System.nanoTime() - started) / 1_000_000);
    }

}
