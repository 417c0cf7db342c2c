package dev.billbridge.ops;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.chargebee.Environment;
import com.chargebee.ListResult;
import com.chargebee.internal.Resource;
import com.chargebee.models.Customer;
import com.chargebee.models.Subscription;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"Repairs drift after Chargebee events were lost (never sent, or beyond the topic's retention): "
                + "fetches each organization's Chargebee customer and all its subscriptions (paging through them) and "
                + "publishes them as snapshot events to " + Topics.CHARGEBEE_EVENTS + ", in Chargebee's event shape. "
                + "The sync-worker applies them through its one code path: a snapshot older than the stored "
                + "resource_version changes nothing, so reconciling a correct organization is harmless.",
                "Event ids are deterministic (reconcile_<subscription id>_<resource_version>), so running it twice "
                        + "applies nothing twice."})
final class ReconcileCommand implements Callable<Integer> {

    /** Marks snapshot events: not from Chargebee's webhook, but fetched by this tool. */
    static final String ORIGIN = "billbridge-origin";
    static final String ORIGIN_RECONCILE = "billing-ops-reconcile";

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    Settings settings;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--org", paramLabel = "ORG-ID", split = ",",
                description = "The organization(s) to reconcile (Scalekit organization id; repeatable).")
        List<String> orgs;

        @Option(names = "--all", description = "Every organization in the database that is not deleted.")
        boolean all;
    }

    @Option(names = "--dry-run", description = "Fetch and print what would be published; publish nothing.")
    boolean dryRun;

    @Option(names = "--rate-limit", paramLabel = "PER-MINUTE", defaultValue = "${env:OPS_CHARGEBEE_RATE_LIMIT_PER_MINUTE:-150}",
            description = "Chargebee requests per minute (env OPS_CHARGEBEE_RATE_LIMIT_PER_MINUTE; default ${DEFAULT-VALUE}, "
                    + "a test site's limit; 0 = unpaced). Leave room for the running workers.")
    int rateLimit;

    @Option(names = "--page-size", paramLabel = "N", defaultValue = "100",
            description = "Subscriptions per Chargebee list request (1..100; default ${DEFAULT-VALUE}).")
    int pageSize;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (pageSize < 1 || pageSize > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--page-size must be 1..100");
        }
        if (rateLimit < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate-limit must be 0 or more");
        }
        Environment env = settings.chargebee();
        Map<String, String> customers = organizations();
        ChargebeeCalls calls = new ChargebeeCalls(rateLimit, err);
        Progress progress = new Progress(err, "reconcile", customers.size());
        int published = 0;
        int subscriptions = 0;
        List<String> failed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = dryRun ? null : settings.producer()) {
            for (var org : customers.entrySet()) {
                String orgId = org.getKey();
                String customerId = org.getValue();
                try {
                    List<ObjectNode> events = snapshot(env, calls, customerId);
                    if (events.isEmpty()) {
                        failed.add(orgId);
                        out.printf("%s: no Chargebee customer %s (provisioning has not created it; see the "
                                + "provisioning-worker and scalekit.events.dlq)%n", orgId, customerId);
                        progress.step(orgId);
                        continue;
                    }
                    List<Future<RecordMetadata>> acks = new ArrayList<>();
                    for (ObjectNode e : events) {
                        String type = e.get("event_type").asText();
                        if (type.startsWith("subscription_")) {
                            subscriptions++;
                        }
                        JsonLine line = JsonLine.of(e);
                        out.printf("%s: %s %s %s%n", orgId, dryRun ? "would publish" : "publish", e.get("id").asText(), line);
                        if (!dryRun) {
                            acks.add(producer.send(record(customerId, e)));
                        }
                    }
                    for (Future<RecordMetadata> f : acks) {
                        f.get(60, TimeUnit.SECONDS);
                        published++;
                    }
                } catch (OpsException e) {
                    throw e;
                } catch (Exception e) {
                    ChargebeeFailure f = ChargebeeFailure.of(e);
                    failed.add(orgId);
                    err.println("error: " + orgId + ": " + (f.kind() == ChargebeeFailure.Kind.SERVER_ERROR && f.httpStatus() == 0
                            ? e.getClass().getSimpleName() + ": " + e.getMessage() : f.kind() + " " + f.message()));
                }
                progress.step(orgId + ", " + calls.requests() + " Chargebee requests");
            }
        }
        out.printf("%d organization(s), %d subscription(s), %s %d snapshot event(s) to %s; %d Chargebee request(s), %d rate-limited%n",
                customers.size(), subscriptions, dryRun ? "would publish" : "published",
                dryRun ? subscriptions + customers.size() - failed.size() : published, Topics.CHARGEBEE_EVENTS,
                calls.requests(), calls.rateLimited());
        if (dryRun) {
            out.println("dry run: nothing published");
        }
        out.flush();
        if (!failed.isEmpty()) {
            err.println("error: not reconciled: " + String.join(", ", failed));
            err.flush();
            return OpsMain.FAILURE;
        }
        return OpsMain.OK;
    }

    /** organization id -> Chargebee customer id (the organization id itself unless the row names another). */
    private Map<String, String> organizations() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        try (Connection db = settings.database()) {
            if (which.all) {
                try (PreparedStatement ps = db.prepareStatement("select id, coalesce(chargebee_customer_id, id) "
                        + "from organization where deleted_at is null order by id");
                     ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        m.put(rs.getString(1), rs.getString(2));
                    }
                }
            } else {
                for (String org : which.orgs) {
                    String customer = org;
                    try (PreparedStatement ps = db.prepareStatement("select chargebee_customer_id from organization where id = ?")) {
                        ps.setString(1, org);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next() && rs.getString(1) != null) {
                                customer = rs.getString(1);
                            }
                        }
                    }
                    m.put(org, customer);
                }
            }
        }
        return m;
    }

    /** The customer's snapshot event first, then one per subscription; empty when the customer does not exist. */
    private List<ObjectNode> snapshot(Environment env, ChargebeeCalls calls, String customerId) throws Exception {
        Customer customer;
        try {
            customer = calls.call("retrieve customer " + customerId,
                    () -> Customer.retrieve(customerId).request(env).customer());
        } catch (Exception e) {
            if (ChargebeeFailure.of(e).kind() == ChargebeeFailure.Kind.NOT_FOUND) {
                return List.of();
            }
            throw e;
        }
        List<ObjectNode> events = new ArrayList<>();
        ObjectNode customerJson = json(customer);
        events.add(event("customer_changed", "reconcile_" + customerId + "_" + version(customerJson),
                Map.of("customer", customerJson)));
        String offset = null;
        do {
            String from = offset;
            ListResult page = calls.call("list subscriptions of " + customerId, () -> {
                var req = Subscription.list().customerId().is(customerId).limit(pageSize);
                if (from != null) {
                    req = req.offset(from);
                }
                return req.request(env);
            });
            for (ListResult.Entry entry : page) {
                ObjectNode sub = json(entry.subscription());
                ObjectNode cust = entry.customer() != null ? json(entry.customer()) : customerJson;
                events.add(event(eventType(sub), "reconcile_" + sub.get("id").asText() + "_" + version(sub),
                        Map.of("subscription", sub, "customer", cust)));
            }
            offset = page.nextOffset();
        } while (offset != null && !offset.isBlank());
        return events;
    }

    /** A cancelled snapshot says so in its type too, for readers of the topic; the worker orders by resource_version. */
    private static String eventType(ObjectNode sub) {
        return switch (sub.path("status").asText()) {
            case "cancelled" -> "subscription_cancelled";
            default -> "subscription_changed";
        };
    }

    private static String version(ObjectNode resource) {
        if (resource.hasNonNull("resource_version")) {
            return resource.get("resource_version").asText();
        }
        return resource.path("updated_at").asText("0");
    }

    private static ObjectNode json(Resource<?> r) throws Exception {
        return (ObjectNode) JSON.readTree(r.jsonObj.toString());
    }

    /** Chargebee's webhook event shape, so the sync-worker cannot tell a snapshot from a webhook. */
    static ObjectNode event(String type, String id, Map<String, ObjectNode> content) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", id);
        e.put("occurred_at", Instant.now().getEpochSecond());
        e.put("source", "system");
        e.put("object", "event");
        e.put("api_version", "v2");
        e.put("event_type", type);
        e.put("webhook_status", "not_applicable");
        ObjectNode c = e.putObject("content");
        content.forEach(c::set);
        return e;
    }

    /** Keyed and headed like the ingress: customer id as key, so the tenant's events stay on one partition. */
    static ProducerRecord<byte[], byte[]> record(String customerId, ObjectNode event) throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add(EventHeaders.EVENT_ID, event.get("id").asText().getBytes(StandardCharsets.UTF_8));
        h.add(EventHeaders.EVENT_TYPE, event.get("event_type").asText().getBytes(StandardCharsets.UTF_8));
        h.add(EventHeaders.SOURCE, EventHeaders.SOURCE_CHARGEBEE.getBytes(StandardCharsets.UTF_8));
        h.add(EventHeaders.RECEIVED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        h.add(ORIGIN, ORIGIN_RECONCILE.getBytes(StandardCharsets.UTF_8));
        String key = event.path("content").path("customer").path("id").asText(customerId);
        return new ProducerRecord<>(Topics.CHARGEBEE_EVENTS, null, key.getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(event), h);
    }

    /** A one-line summary of a snapshot for the operator: type, status, resource_version. */
    record JsonLine(String type, String status, String version) {
        static JsonLine of(ObjectNode e) {
            ObjectNode content = (ObjectNode) e.get("content");
            ObjectNode r = (ObjectNode) (content.has("subscription") ? content.get("subscription") : content.get("customer"));
            return new JsonLine(e.get("event_type").asText(), r.path("status").asText(null), ReconcileCommand.version(r));
        }

        @Override
        public String toString() {
            return type + (status == null ? "" : " status=" + status) + " resource_version=" + version;
        }
    }
}
