package dev.billbridge.provisioning.messaging;

import java.nio.charset.StandardCharsets;

import dev.billbridge.core.events.EventHeaders;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes a record the worker gave up on to scalekit.events.dlq: the same key, body and headers, plus
 * the reason headers (the names SmallRye's own dead-letter strategy uses). Returns only once the
 * broker acknowledged it, so the original is acked only after it is safe in the DLQ.
 */
@ApplicationScoped
public class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    /** Machine-readable class of the reason: {@link Kind}. */
    public static final String DLQ_KIND = "billbridge-dead-letter-kind";

    public enum Kind { UNREADABLE, CHARGEBEE_CLIENT_ERROR, CHARGEBEE_NOT_FOUND, CHARGEBEE_SERVER_ERROR, CHARGEBEE_NETWORK }

    private final MutinyEmitter<byte[]> emitter;
    private final Guard brokerWait;

    public DeadLetters(@Channel("scalekit-events-dlq") MutinyEmitter<byte[]> emitter) {
        this.emitter = emitter;
        this.brokerWait = LifecyclePublisher.BrokerWait.guard("dead-letter write", LOG);
    }

    public void send(ConsumerRecord<String, byte[]> record, Kind kind, String reason, Throwable cause) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            if (!h.key().startsWith("dead-letter-") && !h.key().equals(DLQ_KIND)) {
                headers.add(h);
            }
        }
        add(headers, DLQ_KIND, kind.name());
        add(headers, EventHeaders.DLQ_REASON, reason);
        if (cause != null) {
            add(headers, EventHeaders.DLQ_CAUSE, cause.getClass().getName() + ": " + cause.getMessage());
        }
        add(headers, EventHeaders.DLQ_TOPIC, record.topic());
        add(headers, EventHeaders.DLQ_PARTITION, Integer.toString(record.partition()));
        add(headers, EventHeaders.DLQ_OFFSET, Long.toString(record.offset()));
        byte[] body = record.value() == null ? new byte[0] : record.value();
        Message<byte[]> message = Message.of(body).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build());
        LifecyclePublisher.BrokerWait.run(brokerWait, () -> emitter.sendMessageAndAwait(message));
        LOG.warnf("dead-lettered %s-%d@%d (key %s): %s", record.topic(), record.partition(), record.offset(), record.key(), reason);
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, String.valueOf(value).getBytes(StandardCharsets.UTF_8));
    }
}
