package dev.billbridge.ingress.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.ingress.config.IngressConfig;
import dev.billbridge.ingress.event.IncomingEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Puts the raw body on the source's topic and completes only when the broker has acknowledged it
 * (acks=all, idempotent producer: see application.properties). Fails with {@link PublishFailed} when
 * that does not happen within the configured time, so the caller can answer 503 and the sender retries.
 * A record that times out here may still reach the broker later; the retry then duplicates it, which
 * the workers absorb (they deduplicate on the event id). That is the at-least-once side we choose.
 */
@ApplicationScoped
public class EventPublisher {

    /** Enough for every request the HTTP layer can have in flight at saturation; overflow answers 503. */
    static final int BUFFER = 4096;

    private final MutinyEmitter<byte[]> scalekit;
    private final MutinyEmitter<byte[]> chargebee;
    private final Duration timeout;

    public EventPublisher(@Channel("scalekit-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
                          MutinyEmitter<byte[]> scalekit,
                          @Channel("chargebee-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
                          MutinyEmitter<byte[]> chargebee,
                          IngressConfig config) {
        this.scalekit = scalekit;
        this.chargebee = chargebee;
        this.timeout = config.publishTimeout();
    }

    public Uni<Void> publish(IncomingEvent event) {
        MutinyEmitter<byte[]> emitter = EventHeaders.SOURCE_SCALEKIT.equals(event.source()) ? scalekit : chargebee;
        RecordHeaders headers = new RecordHeaders();
        header(headers, EventHeaders.EVENT_ID, event.id());
        header(headers, EventHeaders.EVENT_TYPE, event.type());
        header(headers, EventHeaders.SOURCE, event.source());
        header(headers, EventHeaders.RECEIVED_AT, DateTimeFormatter.ISO_INSTANT.format(event.receivedAt()));
        for (Map.Entry<String, String> h : event.webhookHeaders().entrySet()) {
            header(headers, h.getKey(), h.getValue());
        }
        Message<byte[]> message = Message.of(event.body()).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.key())
                .withHeaders(headers)
                .build());
        return Uni.createFrom().deferred(() -> emitter.sendMessage(message))
                .ifNoItem().after(timeout).failWith(() -> new PublishFailed("no broker acknowledgement within " + timeout, null))
                .onFailure(f -> !(f instanceof PublishFailed)).transform(f -> new PublishFailed(f.toString(), f));
    }

    private static void header(RecordHeaders headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The record is not known to be in Kafka. */
    public static final class PublishFailed extends RuntimeException {
        public PublishFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
