package dev.billbridge.ops;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Resets a consumer group's committed offsets on one topic, so its consumers deliver those "
                + "records again when they next start. Safe because every billbridge consumer is idempotent.",
                "Refuses while the group has active members (stop the worker first) and names them.",
                "--dry-run prints, per partition, how many records would be delivered again, and changes nothing."})
final class ReplayCommand implements Callable<Integer> {

    @Mixin
    Settings settings;

    @Spec
    CommandSpec spec;

    @Option(names = "--group", required = true, paramLabel = "GROUP", description = "Consumer group, e.g. sync-worker.")
    String group;

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic, e.g. chargebee.events.")
    String topic;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Start start;

    static final class Start {
        @Option(names = "--from", paramLabel = "ISO-TIME", converter = IsoTime.class,
                description = "The first record at or after this time, e.g. 2026-11-23T08:00:00Z (a date means its midnight UTC).")
        Instant from;

        @Option(names = "--from-offset", paramLabel = "N", description = "This offset in every chosen partition "
                + "(clamped to the partition's first and end offsets).")
        Long fromOffset;

        @Option(names = "--from-beginning", description = "The oldest record still retained.")
        boolean fromBeginning;
    }

    @Option(names = "--partitions", split = ",", paramLabel = "P", description = "Only these partitions (default: all).")
    List<Integer> partitions;

    @Option(names = "--dry-run", description = "Print what would be delivered again; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (start.fromOffset != null && start.fromOffset < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from-offset must be 0 or more");
        }
        try (Admin admin = settings.admin()) {
            List<TopicPartition> all = LagCommand.partitions(admin, topic);
            List<TopicPartition> chosen = new ArrayList<>();
            if (partitions == null || partitions.isEmpty()) {
                chosen.addAll(all);
            } else {
                for (int p : partitions) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    if (!all.contains(tp)) {
                        throw new CommandLine.ParameterException(spec.commandLine(),
                                "topic " + topic + " has no partition " + p + " (it has " + all.size() + ")");
                    }
                    chosen.add(tp);
                }
            }

            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            if (d != null && !d.members().isEmpty()) {
                err.println("refused: consumer group " + group + " has " + d.members().size()
                        + " active member(s); stop them first, then replay:");
                for (MemberDescription m : d.members()) {
                    err.println("  " + m.consumerId() + "  client=" + m.clientId() + "  host=" + m.host());
                }
                err.flush();
                return OpsMain.FAILURE;
            }

            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, Long> earliest = LagCommand.offsets(admin, chosen, OffsetSpec.earliest());
            Map<TopicPartition, Long> latest = LagCommand.offsets(admin, chosen, OffsetSpec.latest());
            Map<TopicPartition, Long> target = new HashMap<>();
            if (start.fromBeginning) {
                target.putAll(earliest);
            } else if (start.fromOffset != null) {
                for (TopicPartition tp : chosen) {
                    target.put(tp, Math.max(earliest.get(tp), Math.min(latest.get(tp), start.fromOffset)));
                }
            } else {
                Map<TopicPartition, Long> byTime = LagCommand.offsets(admin, chosen,
                        OffsetSpec.forTimestamp(start.from.toEpochMilli()));
                for (TopicPartition tp : chosen) {
                    long o = byTime.getOrDefault(tp, -1L);
                    // no record at or after the time: nothing to replay, start at the end
                    target.put(tp, o < 0 ? latest.get(tp) : o);
                }
            }

            out.printf("%s group %s on %s%n", dryRun ? "Would reset" : "Resetting", group, topic);
            out.printf("%9s %12s %12s %12s %12s%n", "PARTITION", "COMMITTED", "NEW OFFSET", "END", "REDELIVERED");
            long total = 0;
            Map<TopicPartition, OffsetAndMetadata> reset = new HashMap<>();
            for (TopicPartition tp : chosen) {
                OffsetAndMetadata c = committed.get(tp);
                long t = target.get(tp);
                // without a committed offset the group would start at the end or the beginning (auto.offset.reset);
                // count against the end, which is what the next start would otherwise skip to
                long current = c == null ? latest.get(tp) : c.offset();
                long again = Math.max(0, current - t);
                total += again;
                out.printf("%9d %12s %12d %12d %12d%s%n", tp.partition(), c == null ? "-" : String.valueOf(c.offset()), t,
                        latest.get(tp), again, t > current ? "  (moves forward: " + (t - current) + " records skipped)" : "");
                reset.put(tp, new OffsetAndMetadata(t, "billbridge-ops replay"));
            }
            out.printf("%d record(s) %s delivered again to %s%n", total, dryRun ? "would be" : "will be", group);
            if (dryRun) {
                out.println("dry run: nothing changed");
                out.flush();
                return OpsMain.OK;
            }
            try {
                admin.alterConsumerGroupOffsets(group, reset).all().get();
            } catch (java.util.concurrent.ExecutionException e) {
                // a member joined between the check and the reset: the broker refuses, and so do we
                throw new OpsException("the broker refused the reset (" + e.getCause().getMessage()
                        + "); is a consumer of " + group + " running?", e);
            }
            out.printf("reset %d partition(s); start the %s consumers to replay%n", reset.size(), group);
            out.flush();
            return OpsMain.OK;
        }
    }

    /** ISO-8601 instant, offset date-time, or a date (midnight UTC). */
    static final class IsoTime implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException ignored) {
                // try the other forms
            }
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException ignored) {
                // try a date
            }
            try {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not an ISO time (e.g. 2026-11-23T08:00:00Z or 2026-11-23)");
            }
        }
    }
}
