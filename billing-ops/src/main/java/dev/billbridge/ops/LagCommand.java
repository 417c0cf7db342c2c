package dev.billbridge.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "lag", mixinStandardHelpOptions = true,
        description = {"For each consumer group and partition: committed offset, end offset, lag and the member "
                + "that owns it; then the number of records in each dead-letter topic (*.dlq)."})
final class LagCommand implements Callable<Integer> {

    @Mixin
    Settings settings;

    @Spec
    CommandSpec spec;

    @Option(names = "--group", paramLabel = "GROUP", description = "Only these consumer groups (repeatable).")
    List<String> groups;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        try (Admin admin = settings.admin()) {
            List<String> names = groups != null && !groups.isEmpty() ? groups
                    : admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get().stream().map(GroupListing::groupId).sorted().toList();
            out.printf("%-28s %-24s %9s %12s %12s %10s  %s%n", "GROUP", "TOPIC", "PARTITION", "COMMITTED", "END", "LAG", "MEMBER");
            Map<String, ConsumerGroupDescription> described = names.isEmpty() ? Map.of()
                    : admin.describeConsumerGroups(names).all().get();
            for (String group : names) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, String> owners = new HashMap<>();
                ConsumerGroupDescription d = described.get(group);
                if (d != null) {
                    for (MemberDescription m : d.members()) {
                        for (TopicPartition tp : m.assignment().topicPartitions()) {
                            owners.put(tp, m.consumerId() + " (" + m.host() + ")");
                        }
                    }
                }
                Set<TopicPartition> partitions = new java.util.HashSet<>(committed.keySet());
                partitions.addAll(owners.keySet());
                if (partitions.isEmpty()) {
                    out.printf("%-28s %-24s %9s %12s %12s %10s  %s%n", group, "-", "-", "-", "-", "-",
                            d == null ? "" : d.members().size() + " member(s), no offsets committed");
                    continue;
                }
                Map<TopicPartition, Long> ends = offsets(admin, partitions, OffsetSpec.latest());
                Map<TopicPartition, Long> sorted = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::topic)
                        .thenComparingInt(TopicPartition::partition));
                sorted.putAll(ends);
                for (var e : sorted.entrySet()) {
                    TopicPartition tp = e.getKey();
                    OffsetAndMetadata c = committed.get(tp);
                    long end = e.getValue();
                    out.printf("%-28s %-24s %9d %12s %12d %10s  %s%n", group, tp.topic(), tp.partition(),
                            c == null ? "-" : String.valueOf(c.offset()), end,
                            c == null ? "-" : String.valueOf(Math.max(0, end - c.offset())),
                            owners.getOrDefault(tp, "-"));
                }
            }
            out.println();
            List<String> dlqs = admin.listTopics().names().get().stream().filter(t -> t.endsWith(".dlq")).sorted().toList();
            out.printf("%-28s %10s%n", "DEAD-LETTER TOPIC", "RECORDS");
            for (String dlq : dlqs) {
                out.printf("%-28s %10d%n", dlq, size(admin, dlq));
            }
            out.flush();
            return OpsMain.OK;
        }
    }

    static long size(Admin admin, String topic) throws ExecutionException, InterruptedException {
        List<TopicPartition> tps = partitions(admin, topic);
        Map<TopicPartition, Long> start = offsets(admin, tps, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(admin, tps, OffsetSpec.latest());
        long n = 0;
        for (TopicPartition tp : tps) {
            n += end.get(tp) - start.get(tp);
        }
        return n;
    }

    static List<TopicPartition> partitions(Admin admin, String topic) throws ExecutionException, InterruptedException {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toCollection(ArrayList::new));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                throw new OpsException("topic " + topic + " does not exist");
            }
            throw e;
        }
    }

    static Map<TopicPartition, Long> offsets(Admin admin, Collection<TopicPartition> tps, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> q = new HashMap<>();
        tps.forEach(tp -> q.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(q).all().get();
        Map<TopicPartition, Long> m = new HashMap<>();
        r.forEach((tp, info) -> m.put(tp, info.offset()));
        return m;
    }
}
