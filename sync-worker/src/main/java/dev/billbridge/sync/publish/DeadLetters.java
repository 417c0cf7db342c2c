package dev.billbridge.sync.publish;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.billbridge.core.events.EventHeaders;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Writes a record that can never be applied to {@code chargebee.events.dlq}: the original key, body
 * and headers, plus the dead-letter-* reason headers SmallRye's own strategy would write.
 */
@ApplicationScoped
public class DeadLetters {

    @Inject
    @Channel("chargebee-events-dlq")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    MutinyEmitter<String> emitter;

    /** Returns once the broker acknowledged the dead letter (so the original may be acked). */
    public void send(ConsumerRecord<String, String> record, String reason, Throwable cause, Duration timeout) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) {
            if (!h.key().startsWith("dead-letter-")) {
                headers.add(h.key(), h.value());
            }
        }
        headers.add(EventHeaders.DLQ_REASON, bytes(reason));
        if (cause != null) {
            headers.add(EventHeaders.DLQ_CAUSE, bytes(cause.getClass().getName()));
        }
        headers.add(EventHeaders.DLQ_TOPIC, bytes(record.topic()));
        headers.add(EventHeaders.DLQ_PARTITION, bytes(String.valueOf(record.partition())));
        headers.add(EventHeaders.DLQ_OFFSET, bytes(String.valueOf(record.offset())));
        OutgoingKafkaRecordMetadata<String> meta = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build();
        emitter.sendMessage(Message.of(record.value() == null ? "" : record.value()).addMetadata(meta)).await().atMost(timeout);
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
