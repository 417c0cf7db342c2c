package dev.billbridge.sync.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.events.LifecycleEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/** Publishes lifecycle records (JSON, keyed by organization id) and reports the broker's acknowledgement. */
@ApplicationScoped
public class LifecyclePublisher {

    private static final Logger LOG = Logger.getLogger(LifecyclePublisher.class);

    @Inject
    @Channel("billing-lifecycle")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    MutinyEmitter<String> emitter;

    @Inject
    ObjectMapper json;

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
        List<Message<String>> messages = new ArrayList<>(events.size());
        for (LifecycleEvent e : events) {
            String value;
            try {
                value = json.writeValueAsString(e);
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("cannot serialise lifecycle record " + e.id(), ex);
            }
            messages.add(Message.of(value).addMetadata(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(e.organizationId()).build()));
        }
        // each subscription to this Uni sends every message again
        Uni<Void> attempt = Uni.createFrom().deferred(() -> {
            List<Uni<Void>> sends = new ArrayList<>(messages.size());
            messages.forEach(m -> sends.add(emitter.sendMessage(m)));
            return Uni.join().all(sends).andFailFast().replaceWithVoid();
        });
        return attempt.ifNoItem().after(attemptTimeout).fail()
                .onFailure().invoke(e -> LOG.warnf("publishing %d lifecycle records failed (%s: %s); retrying",
                        messages.size(), e.getClass().getSimpleName(), e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofMillis(500), Duration.ofSeconds(10)).indefinitely()
                .subscribeAsCompletionStage();
    }
}
