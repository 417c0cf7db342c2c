package dev.billbridge.ops;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.core.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "events", mixinStandardHelpOptions = true,
        description = {"Prints the recent raw events of one organization from the topics, oldest first, for support: "
                + "records keyed by the organization (its Scalekit id is also its Chargebee customer id) or whose body "
                + "names it. Dead-letter records show their dead-letter-reason.",
                "Bodies hold personal data: share the output only as your data policy allows."})
final class EventsCommand implements Callable<Integer> {

    @Mixin
    Settings settings;

    @Spec
    CommandSpec spec;

    @Option(names = "--org", required = true, paramLabel = "ORG-ID", description = "The organization id.")
    String org;

    @Option(names = "--topic", split = ",", paramLabel = "TOPIC",
            description = "Topics to search (default: the Scalekit and Chargebee topics and their dead-letter topics).")
    List<String> topics;

    @Option(names = "--limit", defaultValue = "50", paramLabel = "N", description = "The newest N matches (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--scan", defaultValue = "20000", paramLabel = "N",
            description = "Records read from the end of each partition (default ${DEFAULT-VALUE}).")
    long scan;

    @Option(names = "--no-body", negatable = false, description = "Headers only, no bodies.")
    boolean noBody;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (limit < 1 || scan < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit and --scan must be positive");
        }
        List<String> searched = topics == null || topics.isEmpty()
                ? List.of(Topics.SCALEKIT_EVENTS, Topics.CHARGEBEE_EVENTS, Topics.SCALEKIT_EVENTS_DLQ, Topics.CHARGEBEE_EVENTS_DLQ)
                : topics;
        byte[] quoted = ("\"" + org + "\"").getBytes(StandardCharsets.UTF_8);
        List<ConsumerRecord<byte[], byte[]>> matches = new ArrayList<>();
        long[] read = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = settings.consumer()) {
            for (String topic : searched) {
                try {
                    TopicReader.read(consumer, topic, scan, r -> {
                        read[0]++;
                        if (matches(r, quoted)) {
                            matches.add(r);
                        }
                    });
                } catch (OpsException e) {
                    if (topics != null && !topics.isEmpty()) {
                        throw e;   // a topic the operator named must exist
                    }
                    err.println("  events: skipped " + topic + ": " + e.getMessage());
                    continue;
                }
                err.println("  events: searched " + topic + " (" + read[0] + " records so far, " + matches.size() + " matches)");
                err.flush();
            }
        }
        matches.sort(Comparator.comparingLong(ConsumerRecord<byte[], byte[]>::timestamp)
                .thenComparing(ConsumerRecord::topic).thenComparingLong(ConsumerRecord::offset));
        List<ConsumerRecord<byte[], byte[]>> shown = matches.subList(Math.max(0, matches.size() - limit), matches.size());
        for (ConsumerRecord<byte[], byte[]> r : shown) {
            StringBuilder line = new StringBuilder();
            line.append(Instant.ofEpochMilli(r.timestamp())).append("  ").append(r.topic()).append('/').append(r.partition())
                    .append('/').append(r.offset()).append("  ").append(nz(TopicReader.header(r, EventHeaders.EVENT_TYPE)))
                    .append("  id=").append(nz(TopicReader.header(r, EventHeaders.EVENT_ID)));
            String reason = TopicReader.header(r, EventHeaders.DLQ_REASON);
            if (reason != null) {
                line.append("  dead-letter-reason=").append(reason);
            }
            String origin = TopicReader.header(r, ReconcileCommand.ORIGIN);
            if (origin != null) {
                line.append("  origin=").append(origin);
            }
            out.println(line);
            if (!noBody && r.value() != null) {
                out.println("    " + new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        out.printf("%d event(s) of %s shown (%d matched in %d records read)%n", shown.size(), org, matches.size(), read[0]);
        out.flush();
        return OpsMain.OK;
    }

    private boolean matches(ConsumerRecord<byte[], byte[]> r, byte[] quoted) {
        if (r.key() != null && org.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            return true;
        }
        return r.value() != null && indexOf(r.value(), quoted) >= 0;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
