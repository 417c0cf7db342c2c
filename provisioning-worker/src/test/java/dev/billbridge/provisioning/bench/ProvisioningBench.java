package dev.billbridge.provisioning.bench;

import static dev.billbridge.provisioning.support.Checks.sim;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.events.Topics;
import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.provisioning.support.Scalekit;
import dev.billbridge.testing.InfraTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not a test (surefire's default includes skip *Bench): N organization.created events
 * through the real broker, worker, Postgres and the Chargebee simulator with its rate limit raised.
 * Run with bench/provisioning-worker.sh; writes provisioning-worker/target/bench-provisioning.md.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
@TestProfile(ProvisioningBench.Profile.class)
class ProvisioningBench {

    static final int ORGS = Integer.getInteger("bench.orgs", 10_000);
    static final int SIM_LIMIT = Integer.getInteger("bench.sim-rate-limit", 3_000);
    static final String CLIENT_LIMIT = System.getProperty("bench.client-rate-limit", "3000");

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("provisioning.chargebee.rate-limit-per-minute", CLIENT_LIMIT,
                    "quarkus.log.category.\"dev.billbridge\".level", "WARN");
        }
    }

    @Inject
    MeterRegistry registry;

    @Test
    void provisionManyOrganizations() throws Exception {
        sim().setRateLimitPerMinute(SIM_LIMIT);
        int base429 = sim().count429();
        double baseClient = registry.counter("provisioning.chargebee.rate.limited", "source", "client").count();
        List<String> orgs = new ArrayList<>(ORGS);
        List<String> events = new ArrayList<>(ORGS);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(ORGS);
        for (int i = 0; i < ORGS; i++) {
            String org = Scalekit.newOrgId();
            String evt = Scalekit.newEventId();
            orgs.add(org);
            events.add(evt);
            records.add(Scalekit.record(evt, "organization.created", org, "Bench " + i, Instant.now()));
        }

        long start = System.nanoTime();
        Scalekit.sendAll(records);
        double produced = (System.nanoTime() - start) / 1e9;
        Scalekit.await(Duration.ofMinutes(30), "all processed", () -> processed(events) == ORGS);
        double seconds = (System.nanoTime() - start) / 1e9;

        int count429 = sim().count429() - base429;
        double clientWaits = registry.counter("provisioning.chargebee.rate.limited", "source", "client").count() - baseClient;
        long linked = QuarkusTransaction.requiringNew().call(() -> Organization.count("id in ?1 and chargebeeCustomerId = id", orgs));
        Map<String, Integer> created = new HashMap<>();
        for (ObjectNode n : sim().eventNodes()) {
            if ("customer_created".equals(n.path("event_type").asText())) {
                created.merge(n.path("content").path("customer").path("id").asText(), 1, Integer::sum);
            }
        }
        long provisioned = orgs.stream().filter(o -> created.getOrDefault(o, 0) >= 1).count();
        long duplicates = orgs.stream().mapToLong(o -> Math.max(0, created.getOrDefault(o, 0) - 1)).sum();
        int dlq = Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, orgs).size();

        String result = """
                | measure | value |
                |---|---|
                | organizations (organization.created events) | %d |
                | simulator rate limit | %d/min |
                | worker client-side rate limit | %s/min |
                | time from first produce to last commit | %.1f s (producing took %.1f s) |
                | throughput | %.1f organizations/s (%.0f/min) |
                | HTTP 429 answered by the simulator | %d |
                | waits for a client-side permit | %.0f |
                | Chargebee customers created (distinct) | %d |
                | duplicate customers | %d |
                | organizations linked in Postgres | %d |
                | DLQ records for these organizations | %d |
                """.formatted(ORGS, SIM_LIMIT, CLIENT_LIMIT, seconds, produced, ORGS / seconds, ORGS / seconds * 60,
                count429, clientWaits, provisioned, duplicates, linked, dlq);
        System.out.println("\n## provisioning-worker bench\n" + result);
        Path out = Path.of("target", "bench-provisioning.md");
        Files.writeString(out, result, StandardCharsets.UTF_8);

        sim().setRateLimitPerMinute(0);
        assertEquals(ORGS, provisioned);
        assertEquals(0, duplicates);
        assertEquals(ORGS, linked);
        assertEquals(0, dlq);
    }

    private static long processed(List<String> events) {
        long n = 0;
        for (int i = 0; i < events.size(); i += 5_000) {
            List<String> chunk = events.subList(i, Math.min(events.size(), i + 5_000));
            n += QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.count("eventId in ?1", chunk));
        }
        return n;
    }
}
