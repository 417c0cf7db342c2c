package dev.billbridge.sync.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.events.LifecycleEvent;
import dev.billbridge.core.events.Topics;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Publishes lifecycle records (JSON, keyed by organization id) and reports the broker's
 * acknowledgement. The records go straight to the Kafka producer of the {@code billing-lifecycle}
 * channel, so they carry its settings (acks=all, idempotence, serializers, any {@code kafka.*}
 * security), but not one reactive message each: a poll can yield a thousand records, and the
 * per-message emitter pipeline (context capture, queues, acks) cost more CPU and allocation than
 * the records themselves.
 */
@ApplicationScoped
public class LifecyclePublisher {

    private static final Logger LOG = Logger.getLogger(LifecyclePublisher.class);
    private static final String CHANNEL = "billing-lifecycle";

    /** Never sent to: it keeps the channel wired, and so its producer created and configured. */
    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> channel;

    @Inject
    KafkaClientService clients;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "mp.messaging.outgoing.billing-lifecycle.topic", defaultValue = Topics.BILLING_LIFECYCLE)
    String topic;

    private volatile Producer<String, String> producer;

    /**
     * Sends all records and completes once the broker acknowledged every one. It never completes
     * exceptionally: an attempt that fails or outlasts {@code attemptTimeout} is sent again, all of
     * it, with a growing pause, because the events behind these records are already recorded as
     * processed and a redelivery would not announce them again.
     */
    public CompletableFuture<Void> publishAll(List<LifecycleEvent> events, Duration attemptTimeout) {
        if (events.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<ProducerRecord<String, String>> records = new ArrayList<>(events.size());
        for (LifecycleEvent e : events) {
            try {
                records.add(new ProducerRecord<>(topic, e.organizationId(), json.writeValueAsString(e)));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("cannot serialise lifecycle record " + e.id(), ex);
            }
        }
        return Uni.createFrom().completionStage(() -> sendAll(records))
                .ifNoItem().after(attemptTimeout).fail()
                .onFailure().invoke(e -> LOG.warnf("publishing %d lifecycle records failed (%s: %s); retrying",
                        records.size(), e.getClass().getSimpleName(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).indefinitely()
                .subscribeAsCompletionStage();
    }

    /** One attempt: completes when the broker acknowledged every record, fails with the first error. */
    private CompletableFuture<Void> sendAll(List<ProducerRecord<String, String>> records) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(records.size());
        Producer<String, String> p = producer();
        try {
            for (ProducerRecord<String, String> r : records) {
                p.send(r, (metadata, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    } else if (pending.decrementAndGet() == 0) {
                        done.complete(null);
                    }
                });
            }
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private Producer<String, String> producer() {
        Producer<String, String> p = producer;
        if (p == null) {
            io.smallrye.reactive.messaging.kafka.KafkaProducer<String, String> managed = clients.getProducer(CHANNEL);
            if (managed == null) {
                throw new IllegalStateException("no Kafka producer for channel " + CHANNEL);
            }
            producer = p = managed.unwrap();
        }
        return p;
    }
}
