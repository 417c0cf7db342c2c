package dev.billbridge.sync.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.events.LifecycleEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes lifecycle records (JSON, keyed by organization id) and waits for the broker's acknowledgement.
 *
 * <p>The records go straight to the channel's Kafka producer (configured, started and closed by the
 * connector as usual): a poll yields thousands of them at once, and the emitter's per-message stream,
 * sending-thread hop and acknowledgement plumbing cost more than the send itself.
 */
@ApplicationScoped
public class LifecyclePublisher {

    private static final String CHANNEL = "billing-lifecycle";

    /** Declares the outgoing channel, so the connector creates its producer; records bypass it (see above). */
    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> channel;

    @Inject
    KafkaClientService kafka;

    @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".topic")
    String topic;

    @Inject
    ObjectMapper json;

    /** Sends all records; returns when every one was acknowledged, fails if any was not. */
    public void publishAll(List<LifecycleEvent> events, Duration timeout) {
        if (events.isEmpty()) {
            return;
        }
        Producer<String, String> producer = kafka.<String, String>getProducer(CHANNEL).unwrap();
        List<Future<RecordMetadata>> sends = new ArrayList<>(events.size());
        for (LifecycleEvent e : events) {
            String value;
            try {
                value = json.writeValueAsString(e);
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException("cannot serialise lifecycle record " + e.id(), ex);
            }
            sends.add(producer.send(new ProducerRecord<>(topic, e.organizationId(), value)));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException ex) {
                throw new IllegalStateException("lifecycle record not acknowledged: " + ex.getCause(), ex.getCause());
            } catch (TimeoutException ex) {
                throw new IllegalStateException("lifecycle records not acknowledged within " + timeout, ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while awaiting lifecycle acknowledgements", ex);
            }
        }
    }
}
