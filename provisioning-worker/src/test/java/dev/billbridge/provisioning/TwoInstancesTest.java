package dev.billbridge.provisioning;

import static dev.billbridge.provisioning.support.Checks.customersCreated;
import static dev.billbridge.provisioning.support.Checks.linkedOrgs;
import static dev.billbridge.provisioning.support.Checks.orgRows;
import static dev.billbridge.provisioning.support.Checks.processedAll;
import static dev.billbridge.provisioning.support.Checks.successfulCreates;
import static dev.billbridge.provisioning.support.Scalekit.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.billbridge.core.events.Topics;
import dev.billbridge.provisioning.service.ScalekitEventProcessor;
import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.provisioning.support.Scalekit;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Two members of consumer group provisioning-worker share the 3 partitions: the Quarkus app's
 * channel, and a second instance driven by a plain KafkaConsumer that hands each record to the same
 * processing code and commits after it, as the connector does. Both write to the same Postgres and
 * the same Chargebee; what differs from two real processes is that they share this JVM (so one
 * client-side rate limiter and one connection pool). Starting the packaged jar would prove the same
 * group behaviour at the cost of a package step and a second ~200 MB JVM on a 2-core machine.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
class TwoInstancesTest {

    @Inject
    ScalekitEventProcessor processor;

    @Test
    void twoInstancesOnThreePartitionsProvisionEveryOrganizationExactlyOnce() throws Exception {
        SecondInstance second = new SecondInstance(processor);
        Thread t = new Thread(second, "second-provisioning-worker");
        t.start();
        try {
            await(Duration.ofSeconds(40), "the second instance owns partitions", () -> second.assigned.get() > 0);

            List<String> orgs = new ArrayList<>();
            List<String> events = new ArrayList<>();
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String org = Scalekit.newOrgId();
                String evt = Scalekit.newEventId();
                orgs.add(org);
                events.add(evt);
                records.add(Scalekit.record(evt, "organization.created", org, "Tenant " + i, Instant.now()));
            }
            // every event twice, as after a redelivery: each instance may see a copy
            records.addAll(records);
            Scalekit.sendAll(records);

            await(Duration.ofSeconds(60), "all provisioned", () -> processedAll(events) == events.size());

            Set<String> bySecond = second.keysAmong(orgs);
            assertTrue(!bySecond.isEmpty() && bySecond.size() < orgs.size(),
                    "both instances took part: the second handled " + bySecond.size() + " of " + orgs.size());
            assertEquals(orgs.size(), orgRows(orgs));
            assertEquals(orgs.size(), linkedOrgs(orgs));
            for (String org : orgs) {
                assertEquals(1, customersCreated(org), "one Chargebee customer for " + org);
                assertEquals(1, successfulCreates(org), "one successful create for " + org);
            }
            assertEquals(List.of(), Scalekit.read(Topics.SCALEKIT_EVENTS_DLQ, orgs));
            assertEquals(null, second.failure.get());
        } finally {
            second.stop();
            t.join(20_000);
        }
    }

    /** A second worker instance: the same processing, driven by a plain consumer in the same group. */
    static final class SecondInstance implements Runnable {
        final ScalekitEventProcessor processor;
        final AtomicInteger assigned = new AtomicInteger();
        final Map<String, AtomicInteger> handledKeys = new ConcurrentHashMap<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        volatile KafkaConsumer<String, byte[]> consumer;

        SecondInstance(ScalekitEventProcessor processor) {
            this.processor = processor;
        }

        Set<String> keysAmong(Collection<String> keys) {
            return Set.copyOf(handledKeys.keySet().stream().filter(keys::contains).toList());
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, dev.billbridge.testing.LocalInfra.get().bootstrapServers());
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "provisioning-worker");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "second-provisioning-worker");
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                c.subscribe(List.of(Topics.SCALEKIT_EVENTS), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        assigned.addAndGet(-partitions.size());
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        assigned.addAndGet(partitions.size());
                    }
                });
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        processor.process(r);
                        if (r.key() != null) {
                            handledKeys.computeIfAbsent(r.key(), k -> new AtomicInteger()).incrementAndGet();
                        }
                        c.commitSync(Map.of(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
                    }
                }
            } catch (WakeupException e) {
                // stop() was called
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        void stop() {
            running.set(false);
            KafkaConsumer<String, byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }
    }
}
