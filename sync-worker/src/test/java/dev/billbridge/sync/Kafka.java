package dev.billbridge.sync;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.LocalInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test-side Kafka: produces webhook bodies the way the ingress does, and tails topics. */
final class Kafka {

    private static KafkaProducer<String, String> producer;

    private Kafka() {
    }

    static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.get().bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    /** As the ingress: the untouched body, keyed by customer id (else subscription id), with billbridge headers. */
    static ProducerRecord<String, String> ingressRecord(String topic, String body) {
        JSONObject ev = new JSONObject(body);
        JSONObject content = ev.getJSONObject("content");
        String key = null;
        if (content.optJSONObject("customer") != null) {
            key = content.getJSONObject("customer").optString("id", null);
        }
        if (key == null && content.optJSONObject("subscription") != null) {
            JSONObject s = content.getJSONObject("subscription");
            key = s.optString("customer_id", s.optString("id", null));
        }
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, key, body);
        r.headers().add(EventHeaders.EVENT_ID, ev.getString("id").getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventHeaders.EVENT_TYPE, ev.getString("event_type").getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventHeaders.SOURCE, EventHeaders.SOURCE_CHARGEBEE.getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventHeaders.RECEIVED_AT, Instant.now().toString().getBytes(StandardCharsets.UTF_8));
        return r;
    }

    static void produce(List<String> bodies) {
        try {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (String b : bodies) {
                acks.add(producer().send(ingressRecord(Topics.CHARGEBEE_EVENTS, b)));
            }
            for (java.util.concurrent.Future<?> f : acks) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void produceRaw(String key, String value, String eventId) {
        ProducerRecord<String, String> r = new ProducerRecord<>(Topics.CHARGEBEE_EVENTS, key, value);
        r.headers().add(EventHeaders.EVENT_ID, eventId.getBytes(StandardCharsets.UTF_8));
        r.headers().add(EventHeaders.SOURCE, EventHeaders.SOURCE_CHARGEBEE.getBytes(StandardCharsets.UTF_8));
        try {
            producer().send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KafkaConsumer<String, String> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.get().bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Reads a whole topic from offset 0 in a background thread, for the life of the test JVM. */
    static final class Tail {
        final List<ConsumerRecord<String, String>> records = new CopyOnWriteArrayList<>();

        Tail(String topic) {
            Thread t = new Thread(() -> {
                try (KafkaConsumer<String, String> c = consumer("test-tail-" + UUID.randomUUID())) {
                    List<TopicPartition> parts = new ArrayList<>();
                    for (PartitionInfo pi : c.partitionsFor(topic)) {
                        parts.add(new TopicPartition(topic, pi.partition()));
                    }
                    c.assign(parts);
                    c.seekToBeginning(parts);
                    while (true) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                            records.add(r);
                        }
                    }
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                    // test JVM ending
                } catch (RuntimeException e) {
                    e.printStackTrace();
                }
            }, "tail-" + topic);
            t.setDaemon(true);
            t.start();
        }

        List<ConsumerRecord<String, String>> keyed(String key) {
            return records.stream().filter(r -> key.equals(r.key())).toList();
        }
    }
}
