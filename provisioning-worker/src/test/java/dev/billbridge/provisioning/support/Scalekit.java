package dev.billbridge.provisioning.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.LocalInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces Scalekit organization events to scalekit.events exactly as webhook-ingress does (key =
 * organization id, the untouched body, the billbridge-* and webhook-* headers), and reads topics
 * back, filtered by the caller's own ids (the broker may hold foreign records).
 */
public final class Scalekit {

    private static KafkaProducer<String, byte[]> producer;

    private Scalekit() {
    }

    public static String newOrgId() {
        return "org_" + UUID.randomUUID().toString().replace("-", "").substring(0, 18);
    }

    public static String newEventId() {
        return "evt_" + UUID.randomUUID().toString().replace("-", "");
    }

    public static String body(String eventId, String type, String orgId, String displayName, Instant occurredAt) {
        String deleted = type.equals("organization.deleted") ? ",\"deleted_at\":\"" + occurredAt + "\"" : "";
        String eventName = switch (type) {
            case "organization.created" -> "Organization Created";
            case "organization.updated" -> "Organization Updated";
            default -> "Organization Deleted";
        };
        return """
                {"spec_version":"1","id":"%s","type":"%s","object":"Organization","occurred_at":"%s",\
                "environment_id":"env_test","organization_id":"%s","display_name":"%s",\
                "data":{"id":"%s","display_name":%s,"external_id":null,"region_code":"US",\
                "create_time":"%s","update_time":"%s","metadata":{},"settings":{"features":[]}%s}}"""
                .formatted(eventId, type, occurredAt, orgId, eventName, orgId,
                        displayName == null ? "null" : "\"" + displayName + "\"", occurredAt, occurredAt, deleted);
    }

    /** Sends one event and waits for the broker's acknowledgement; returns the event id. */
    public static String send(String type, String orgId, String displayName, Instant occurredAt) {
        String id = newEventId();
        send(id, type, orgId, displayName, occurredAt);
        return id;
    }

    public static void send(String eventId, String type, String orgId, String displayName, Instant occurredAt) {
        sendRaw(orgId, body(eventId, type, orgId, displayName, occurredAt).getBytes(StandardCharsets.UTF_8),
                headers(eventId, type));
    }

    public static RecordHeaders headers(String eventId, String type) {
        RecordHeaders h = new RecordHeaders();
        add(h, EventHeaders.EVENT_ID, eventId);
        add(h, EventHeaders.EVENT_TYPE, type);
        add(h, EventHeaders.SOURCE, EventHeaders.SOURCE_SCALEKIT);
        add(h, EventHeaders.RECEIVED_AT, Instant.now().toString());
        add(h, EventHeaders.WEBHOOK_ID, "msg_" + eventId);
        add(h, EventHeaders.WEBHOOK_TIMESTAMP, Long.toString(Instant.now().getEpochSecond()));
        add(h, EventHeaders.WEBHOOK_SIGNATURE, "v1,dGVzdA==");
        return h;
    }

    public static void sendRaw(String key, byte[] body, Iterable<Header> headers) {
        try {
            producer().send(new ProducerRecord<>(Topics.SCALEKIT_EVENTS, null, key, body, headers)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot produce to " + Topics.SCALEKIT_EVENTS, e);
        }
    }

    /** Sends without waiting for each acknowledgement (flushes at the end): for many events. */
    public static void sendAll(List<ProducerRecord<String, byte[]>> records) {
        records.forEach(r -> producer().send(r));
        producer().flush();
    }

    public static ProducerRecord<String, byte[]> record(String eventId, String type, String orgId, String displayName,
                                                        Instant occurredAt) {
        return new ProducerRecord<>(Topics.SCALEKIT_EVENTS, null, orgId,
                body(eventId, type, orgId, displayName, occurredAt).getBytes(StandardCharsets.UTF_8), headers(eventId, type));
    }

    private static synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.get().bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Every record of the topic now, from the beginning, whose key is in {@code keys}. */
    public static List<ConsumerRecord<String, byte[]>> read(String topic, Collection<String> keys) {
        Set<String> wanted = Set.copyOf(keys);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.get().bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && wanted.contains(r.key())) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    public static String value(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    /** Polls until the condition holds; fails with the message after the deadline. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;   // e.g. the database is still coming back
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
    }

    private static void add(RecordHeaders h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
