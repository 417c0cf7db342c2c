package dev.billbridge.provisioning;

import static dev.billbridge.provisioning.support.Checks.customersCreated;
import static dev.billbridge.provisioning.support.Checks.linkedOrgs;
import static dev.billbridge.provisioning.support.Checks.processedAll;
import static dev.billbridge.provisioning.support.Scalekit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.billbridge.core.events.Topics;
import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.provisioning.support.Scalekit;
import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.LocalInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Postgres goes away in the middle of a stream: the worker waits, then applies everything. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
class DatabaseOutageTest {

    @Inject
    MeterRegistry registry;

    @Test
    void postgresStoppedMidStreamAndRestartedEveryEventIsApplied() {
        LocalInfra infra = LocalInfra.get();
        Assumptions.assumeTrue(infra.controllable(), "infrastructure reused from the environment cannot be stopped");
        List<String> orgs = new ArrayList<>();
        List<String> events = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> first = batch(10, orgs, events);
        List<ProducerRecord<String, byte[]>> second = batch(10, orgs, events);

        Scalekit.sendAll(first);
        await(Duration.ofSeconds(30), "the stream is flowing", () -> processedAll(events) >= 3);
        double waitsBefore = databaseRetries();
        infra.stopPostgres();
        try {
            Scalekit.sendAll(second);
            // the worker has met the outage and is waiting on it (not dead-lettering, not skipping)
            await(Duration.ofSeconds(30), "the worker waits on the database", () -> databaseRetries() >= waitsBefore + 3);
        } finally {
            infra.startPostgres();
        }

        await(Duration.ofSeconds(60), "every event applied", () -> processedAll(events) == events.size());
        assertEquals(orgs.size(), linkedOrgs(orgs));
        orgs.forEach(o -> assertEquals(1, customersCreated(o), "one customer for " + o));
        assertEquals(List.of(), Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, orgs), "nothing dead-lettered");
        assertTrue(databaseRetries() > waitsBefore);
    }

    private double databaseRetries() {
        return registry.counter("provisioning.database.retries").count();
    }

    private static List<ProducerRecord<String, byte[]>> batch(int n, List<String> orgs, List<String> events) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String org = Scalekit.newOrgId();
            String evt = Scalekit.newEventId();
            orgs.add(org);
            events.add(evt);
            out.add(Scalekit.record(evt, "organization.created", org, "Outage " + i, Instant.now()));
        }
        return out;
    }
}
