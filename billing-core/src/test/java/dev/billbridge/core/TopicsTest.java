package dev.billbridge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.billbridge.core.events.Topics;
import dev.billbridge.testing.LocalInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Every topic exists on the real broker and carries a record there and back. */
class TopicsTest {

    @Test
    void everyTopicIsCreatedWithThreePartitions() throws Exception {
        LocalInfra infra = LocalInfra.get();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get(30, TimeUnit.SECONDS);
            for (String t : Topics.ALL) {
                assertEquals(3, topics.get(t).partitions().size(), t);
            }
        }
    }

    @Test
    void aRecordProducedToEachTopicIsConsumedBack() throws Exception {
        LocalInfra infra = LocalInfra.get();
        String run = UUID.randomUUID().toString();
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
            for (String t : Topics.ALL) {
                producer.send(new ProducerRecord<>(t, run, (t + ":" + run).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }

        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "topics-test-" + run);
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, String> seen = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Topics.ALL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen.size() < Topics.ALL.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (run.equals(r.key())) {
                        seen.put(r.topic(), new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        for (String t : Topics.ALL) {
            assertEquals(t + ":" + run, seen.get(t), "round trip through " + t);
        }
        assertTrue(List.copyOf(seen.keySet()).containsAll(Topics.ALL));
    }
}
