package dev.billbridge.ops;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import dev.billbridge.core.events.EventHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {"Republishes dead-letter records to their original topic (header dead-letter-topic), with "
                + "their key, body and headers (minus the dead-letter-* headers, plus " + RedriveCommand.REDRIVEN_FROM + ").",
                "Each record sent is logged in the database table ops_redrive, in the transaction that waits for the "
                        + "broker's acknowledgement, so running redrive again sends nothing twice. A record that fails "
                        + "again lands in the DLQ as a new record and can be redriven once more.",
                "Fix the cause first (see the dead-letter-reason header: `billbridge-ops events` or --dry-run shows it)."})
final class RedriveCommand implements Callable<Integer> {

    /** Added to a redriven record: where it came from, {@code <dlq-topic>/<partition>/<offset>}. */
    static final String REDRIVEN_FROM = "billbridge-redriven-from";

    @Mixin
    Settings settings;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DLQ-TOPIC", description = "The dead-letter topic, e.g. scalekit.events.dlq.")
    String dlqTopic;

    @Option(names = "--event-id", split = ",", paramLabel = "ID",
            description = "Only the records with these event ids (header " + EventHeaders.EVENT_ID + "); repeatable.")
    List<String> eventIds;

    @Option(names = "--dry-run", description = "List what would be sent (and what was already sent); send nothing.")
    boolean dryRun;

    private record Dead(ConsumerRecord<byte[], byte[]> record, String eventId, String target, String reason) {
    }

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!dlqTopic.endsWith(".dlq")) {
            err.println("warning: " + dlqTopic + " does not look like a dead-letter topic (*.dlq)");
        }
        Set<String> wanted = eventIds == null ? Set.of() : new LinkedHashSet<>(eventIds);

        List<Dead> candidates = new ArrayList<>();
        Set<String> seenIds = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = settings.consumer()) {
            TopicReader.read(consumer, dlqTopic, Long.MAX_VALUE, r -> {
                String id = TopicReader.header(r, EventHeaders.EVENT_ID);
                seenIds.add(id);
                if (wanted.isEmpty() || wanted.contains(id)) {
                    candidates.add(new Dead(r, id, TopicReader.header(r, EventHeaders.DLQ_TOPIC),
                            TopicReader.header(r, EventHeaders.DLQ_REASON)));
                }
            });
        }
        List<String> missing = wanted.stream().filter(id -> !seenIds.contains(id)).toList();

        int sent = 0;
        int already = 0;
        int unroutable = 0;
        try (Connection db = settings.database()) {
            Set<Long> done = redriven(db, candidates);
            if (candidates.isEmpty()) {
                out.println("nothing to redrive in " + dlqTopic + (wanted.isEmpty() ? "" : " for the given event ids"));
            }
            Progress progress = new Progress(err, "redrive " + dlqTopic, candidates.size());
            try (KafkaProducer<byte[], byte[]> producer = dryRun || candidates.isEmpty() ? null : settings.producer()) {
                for (Dead d : candidates) {
                    ConsumerRecord<byte[], byte[]> r = d.record();
                    String where = r.topic() + "/" + r.partition() + "/" + r.offset();
                    String line = String.format("%s  event=%s  -> %s  reason=%s", where, d.eventId(), d.target(), d.reason());
                    if (done.contains(key(r))) {
                        already++;
                        out.println("already redriven  " + line);
                    } else if (d.target() == null || d.target().isBlank()) {
                        unroutable++;
                        out.println("no " + EventHeaders.DLQ_TOPIC + " header, skipped  " + line);
                    } else if (dryRun) {
                        sent++;
                        out.println("would send  " + line);
                    } else if (send(db, producer, d)) {
                        sent++;
                        out.println("sent  " + line);
                    } else {
                        already++;
                        out.println("already redriven (concurrently)  " + line);
                    }
                    progress.step(null);
                }
            }
        }
        out.printf("%s %d, already redriven %d, skipped %d%n", dryRun ? "would send" : "sent", sent, already, unroutable);
        if (dryRun) {
            out.println("dry run: nothing changed");
        }
        out.flush();
        if (!missing.isEmpty()) {
            err.println("error: no record in " + dlqTopic + " with event id " + String.join(", ", missing));
            err.flush();
            return OpsMain.FAILURE;
        }
        return unroutable > 0 ? OpsMain.FAILURE : OpsMain.OK;
    }

    /**
     * Logs the record and sends it in one database transaction: the row is committed only after the broker
     * acknowledged the send. A crash in between resends on the next run: harmless, consumers are idempotent.
     */
    private boolean send(Connection db, KafkaProducer<byte[], byte[]> producer, Dead d) throws Exception {
        ConsumerRecord<byte[], byte[]> r = d.record();
        db.setAutoCommit(false);
        try {
            try (PreparedStatement ps = db.prepareStatement("insert into ops_redrive "
                    + "(dlq_topic, dlq_partition, dlq_offset, event_id, target_topic, redriven_by) values (?,?,?,?,?,?) "
                    + "on conflict do nothing")) {
                ps.setString(1, r.topic());
                ps.setInt(2, r.partition());
                ps.setLong(3, r.offset());
                ps.setString(4, d.eventId());
                ps.setString(5, d.target());
                ps.setString(6, System.getProperty("user.name"));
                if (ps.executeUpdate() == 0) {
                    db.rollback();
                    return false;
                }
            }
            RecordHeaders headers = new RecordHeaders();
            for (Header h : r.headers()) {
                if (!h.key().startsWith("dead-letter-")) {
                    headers.add(h);
                }
            }
            headers.add(REDRIVEN_FROM, (r.topic() + "/" + r.partition() + "/" + r.offset()).getBytes(StandardCharsets.UTF_8));
            RecordMetadata m = producer.send(new ProducerRecord<>(d.target(), null, r.key(), r.value(), headers))
                    .get(60, TimeUnit.SECONDS);
            try (PreparedStatement ps = db.prepareStatement("update ops_redrive set target_partition = ?, target_offset = ? "
                    + "where dlq_topic = ? and dlq_partition = ? and dlq_offset = ?")) {
                ps.setInt(1, m.partition());
                ps.setLong(2, m.offset());
                ps.setString(3, r.topic());
                ps.setInt(4, r.partition());
                ps.setLong(5, r.offset());
                ps.executeUpdate();
            }
            db.commit();
            return true;
        } catch (Exception e) {
            db.rollback();
            throw new OpsException("sending " + r.topic() + "/" + r.partition() + "/" + r.offset() + " to " + d.target()
                    + " failed (nothing logged; run redrive again): " + e.getMessage(), e);
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static long key(ConsumerRecord<?, ?> r) {
        return ((long) r.partition() << 48) ^ r.offset();
    }

    private Set<Long> redriven(Connection db, List<Dead> candidates) throws SQLException {
        Set<Long> done = new HashSet<>();
        try (PreparedStatement ps = db.prepareStatement("select dlq_partition, dlq_offset from ops_redrive where dlq_topic = ?")) {
            ps.setString(1, dlqTopic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.add(((long) rs.getInt(1) << 48) ^ rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                throw new OpsException("table ops_redrive is missing: start a billbridge service once so Flyway "
                        + "migrates the database (V40)", e);
            }
            throw e;
        }
        return done;
    }
}
