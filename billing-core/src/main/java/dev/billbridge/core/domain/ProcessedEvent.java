package dev.billbridge.core.domain;

import java.io.Serializable;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import org.hibernate.Session;

/**
 * The message log. A consumer inserts its row in the same transaction as the state change, so an
 * event is applied at most once per consumer however often Kafka delivers it.
 */
@Entity
@Table(name = "processed_event")
@IdClass(ProcessedEvent.Key.class)
public class ProcessedEvent extends PanacheEntityBase {

    @Id
    public String source;

    @Id
    @Column(name = "event_id")
    public String eventId;

    @Id
    public String consumer;

    @Column(name = "processed_at", nullable = false)
    public Instant processedAt;

    public static boolean seen(String source, String eventId, String consumer) {
        return count("source = ?1 and eventId = ?2 and consumer = ?3", source, eventId, consumer) > 0;
    }

    /**
     * Records the event inside the caller's transaction. The primary key makes a concurrent duplicate
     * fail at commit, rolling back its state change with it.
     */
    public static void record(String source, String eventId, String consumer) {
        ProcessedEvent e = new ProcessedEvent();
        e.source = source;
        e.eventId = eventId;
        e.consumer = consumer;
        e.processedAt = Instant.now();
        e.persist();
    }

    /**
     * Records many events at once inside the caller's transaction, in one statement, and answers
     * those that were not recorded before: the ones the caller must apply now (everything else is a
     * duplicate). Same guarantee as {@link #record}: if the transaction rolls back, so do these rows.
     * An id that a concurrent transaction is recording makes this statement wait for it; if that one
     * commits, the id is answered as already recorded (not applied twice), if it rolls back, as new.
     *
     * <p>Plain JDBC, executed at once (not at flush): the session's flush mode does not matter.
     */
    public static Set<String> recordNew(String source, Collection<String> eventIds, String consumer) {
        Set<String> fresh = new HashSet<>();
        if (eventIds.isEmpty()) {
            return fresh;
        }
        getEntityManager().unwrap(Session.class).doWork(connection -> {
            // unnest of one array parameter: a single statement whatever the batch size, and the
            // primary key (not a planner estimate) decides what is a duplicate
            try (PreparedStatement ps = connection.prepareStatement("insert into processed_event"
                    + " (source, event_id, consumer, processed_at) select ?, id, ?, now() from unnest(?) as t(id)"
                    + " on conflict do nothing returning event_id")) {
                Array ids = connection.createArrayOf("text", eventIds.stream().distinct().toArray());
                ps.setString(1, source);
                ps.setString(2, consumer);
                ps.setArray(3, ids);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        fresh.add(rs.getString(1));
                    }
                }
                ids.free();
            }
        });
        return fresh;
    }

    public static class Key implements Serializable {
        public String source;
        public String eventId;
        public String consumer;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(source, k.source) && Objects.equals(eventId, k.eventId)
                    && Objects.equals(consumer, k.consumer);
        }

        @Override
        public int hashCode() {
            return Objects.hash(source, eventId, consumer);
        }
    }
}
