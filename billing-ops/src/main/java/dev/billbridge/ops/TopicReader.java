package dev.billbridge.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Reads a bounded range of a topic by assignment (no group, no commits): what was there when it started. */
final class TopicReader {

    private TopicReader() {
    }

    /**
     * Every record of {@code topic} from {@code max(start, end - lastPerPartition)} up to the end offsets
     * seen at the start, partition by partition in offset order.
     */
    static void read(KafkaConsumer<byte[], byte[]> consumer, String topic, long lastPerPartition,
                     Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(20));
        if (infos == null || infos.isEmpty()) {
            throw new OpsException("topic " + topic + " does not exist");
        }
        List<TopicPartition> tps = new ArrayList<>();
        infos.forEach(i -> tps.add(new TopicPartition(topic, i.partition())));
        consumer.assign(tps);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
        Map<TopicPartition, Long> end = consumer.endOffsets(tps);
        List<TopicPartition> pending = new ArrayList<>();
        for (TopicPartition tp : tps) {
            long from = Math.max(begin.get(tp), end.get(tp) - lastPerPartition);
            if (from < end.get(tp)) {
                consumer.seek(tp, from);
                pending.add(tp);
            }
        }
        consumer.assign(pending);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new OpsException("reading " + topic + " did not reach the end offsets within 5 minutes");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < end.get(tp)) {
                    sink.accept(r);
                }
            }
            // positions skip transaction markers and compacted gaps, so compare positions, not last offsets
            pending.removeIf(tp -> consumer.position(tp) >= end.get(tp));
            consumer.assign(pending);
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
