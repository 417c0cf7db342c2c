package dev.billbridge.sync.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

/** Publishes lifecycle records (JSON, keyed by organization id) and waits for the broker's acknowledgement. */
@ApplicationScoped
public class LifecyclePublisher {

    @Inject
    @Channel("billing-lifecycle")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    MutinyEmitter<String> emitter;

    @Inject
    ObjectMapper json;

    /** Sends all records; completes when every one was acknowledged, fails if any was not. */
    public void publishAll(List<LifecycleEvent> events, Duration timeout) {
        if (events.isEmpty()) {
            return;
        }
        List<Uni<Void>> sends = new ArrayList<>(events.size());
        for (LifecycleEvent e : events) {
            String value;
            try {
                value = json.writeValueAsString(e);
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("cannot serialise lifecycle record " + e.id(), ex);
            }
            sends.add(emitter.sendMessage(Message.of(value).addMetadata(
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(e.organizationId()).build())));
        }
        Uni.join().all(sends).andFailFast().await().atMost(timeout);
    }
}
