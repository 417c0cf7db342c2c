package dev.billbridge.provisioning.messaging;

import dev.billbridge.provisioning.service.ScalekitEventProcessor;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * scalekit.events, consumer group provisioning-worker. Records are processed one at a time, in
 * order (same key = same organization = same partition), on a worker thread; the record is acked
 * (and its offset committed, throttled) only when processing returned.
 */
@ApplicationScoped
public class ScalekitEventsConsumer {

    private final ScalekitEventProcessor processor;

    public ScalekitEventsConsumer(ScalekitEventProcessor processor) {
        this.processor = processor;
    }

    @Incoming("scalekit-events")
    @Blocking
    public void consume(ConsumerRecord<String, byte[]> record) {
        processor.process(record);
    }
}
