package dev.billbridge.core.domain;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

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
