package dev.billbridge.sync.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.sync.consume.SyncStats;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Not part of the test suite (surefire's default includes do not match the name): run it with
 * {@code bench/sync-worker.sh}. Measures the worker consuming a pre-filled topic from offset 0, with
 * the message log and resource_version ordering on, then checks every row reached its newest state.
 */
@QuarkusTest
@WithTestResource(BenchData.class)
class SyncReplayBenchmark {

    @Inject
    SyncStats stats;


    @Test
    void replay() throws Exception {
        // read here, not injected: injected properties would be required by every test class's boot
        Config config = ConfigProvider.getConfig();
        long newestVersion = config.getValue("bench.newest-version", Long.class);
        String newestStatus = config.getValue("bench.newest-status", String.class);
        long total = config.getValue("bench.total", Long.class);
        long subscriptions = config.getValue("bench.subscriptions", Long.class);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        // every event is recorded exactly once (the message log decides); a rebalance while the
        // consumers join redelivers a few, counted as duplicates, so those are not a measure of progress
        // -Dbench.warmup-events=N: the rate is measured after the first N events (a cold JVM with the
        // production JIT spends the first seconds compiling); 0 measures from the first poll
        long warmup = Long.getLong("bench.warmup-events", 0);
        long warmNanos = 0;
        long warmCount = 0;
        while (stats.recorded.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(50);
            if (warmup > 0 && warmNanos == 0 && stats.recorded.get() >= warmup) {
                warmNanos = System.nanoTime();
                warmCount = stats.recorded.get();
            }
        }
        long end = System.nanoTime();
        long consumed = stats.recorded.get();
        long redelivered = stats.duplicates.get();
        double seconds = (end - stats.firstBatchNanos.get()) / 1e9;
        double rate = consumed / seconds;
        String warm = warmNanos == 0 ? "" : String.format(" after the first %d events (warm-up): %d events in %.1f s = %.0f"
                + " events/s;", warmCount, consumed - warmCount, (end - warmNanos) / 1e9,
                (consumed - warmCount) / ((end - warmNanos) / 1e9));

        long rows = QuarkusTransaction.requiringNew().call(() -> Subscription.count(
                "chargebeeSubscriptionId like 'bsub%' and resourceVersion = ?1 and status = ?2",
                newestVersion, newestStatus));
        long logged = QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.count(
                "source = 'chargebee' and consumer = 'sync-worker' and eventId like 'ev_b%'"));
        String line = String.format("%s: %d events (%d subscriptions) applied in %.1f s = %.0f events/s;%s"
                        + " rows at newest resource_version: %d; message-log rows: %d; dead-lettered: %d;"
                        + " redelivered (skipped as duplicates): %d; cores: %d",
                Instant.now(), consumed, subscriptions, seconds, rate, warm, rows, logged, stats.deadLettered.get(), redelivered,
                Runtime.getRuntime().availableProcessors());
        System.out.println("bench: " + line);
        write(line);
        assertEquals(total, consumed, "all events consumed");
        assertEquals(subscriptions, rows, "every subscription at its newest snapshot");
        assertEquals(total, logged);
    }

    private static void write(String line) throws IOException {
        Path out = Path.of("target", "bench-sync-worker.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, line + System.lineSeparator());
    }
}
