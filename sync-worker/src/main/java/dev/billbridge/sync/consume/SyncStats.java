package dev.billbridge.sync.consume;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Counters of the consumer (also exported as Micrometer meters {@code sync.events}). */
@ApplicationScoped
public class SyncStats {

    public final AtomicLong recorded = new AtomicLong();
    public final AtomicLong duplicates = new AtomicLong();
    public final AtomicLong deadLettered = new AtomicLong();
    public final AtomicLong databasePauses = new AtomicLong();
    /** System.nanoTime() when the first batch arrived; 0 before. */
    public final AtomicLong firstBatchNanos = new AtomicLong();

    @Inject
    MeterRegistry registry;

    void count(String outcome, long n) {
        if (n > 0) {
            registry.counter("sync.events", "outcome", outcome).increment(n);
        }
    }
}
