package dev.billbridge.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.billbridge.testing.LocalInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flywaydb.core.Flyway;

/** Runs the tool in-process against the real broker and database, and small Kafka helpers for the tests. */
final class Ops {

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private static boolean migrated;

    private Ops() {
    }

    static LocalInfra infra() {
        return LocalInfra.get();
    }

    /** The database as the services leave it: every migration applied (V40 is the tool's own). */
    static synchronized void migrate() {
        if (!migrated) {
            LocalInfra i = infra();
            Flyway.configure().dataSource(i.jdbcUrl(), i.username(), i.password())
                    .locations("classpath:db/migration").load().migrate();
            migrated = true;
        }
    }

    /** {@code run("lag", "--group", g)}: the connection options are added after the command name. */
    static Result run(String command, String... args) {
        LocalInfra i = infra();
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(List.of("--kafka-bootstrap-servers", i.bootstrapServers(), "--database-jdbc-url", i.jdbcUrl(),
                "--database-username", i.username(), "--database-password", i.password()));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    /** Exactly these arguments, no connection options. */
    static Result raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = OpsMain.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void createTopic(String name, int partitions) throws Exception {
        try (Admin a = Admin.create(Map.of("bootstrap.servers", infra().bootstrapServers()))) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra().bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<byte[], byte[]> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra().bootstrapServers());
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static void send(String topic, Integer partition, String key, String value, Long timestamp, String... headers) throws Exception {
        try (var p = producer()) {
            send(p, topic, partition, key, value, timestamp, headers);
        }
    }

    static void send(KafkaProducer<byte[], byte[]> p, String topic, Integer partition, String key, String value, Long timestamp,
                     String... headers) throws Exception {
        var r = new ProducerRecord<>(topic, partition, timestamp, key == null ? null : bytes(key), bytes(value));
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], bytes(headers[i + 1]));
        }
        p.send(r).get();
    }

    /** Commits offsets for a group without joining it (the group then has no members). */
    static void commit(String group, Map<TopicPartition, Long> offsets) {
        try (var c = consumer(group)) {
            Map<TopicPartition, OffsetAndMetadata> m = new java.util.HashMap<>();
            offsets.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
            c.commitSync(m);
        }
    }

    static Map<TopicPartition, OffsetAndMetadata> committed(String group) throws Exception {
        try (Admin a = Admin.create(Map.of("bootstrap.servers", infra().bootstrapServers()))) {
            return a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        }
    }

    /** Every record of a topic (all partitions, from the beginning to the current end). */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (var c = consumer(null)) {
            List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            long deadline = System.currentTimeMillis() + 30_000;
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : str(h.value());
    }
}
