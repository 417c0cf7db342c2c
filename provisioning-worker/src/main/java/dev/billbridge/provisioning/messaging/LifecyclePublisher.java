package dev.billbridge.provisioning.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.billbridge.core.events.CustomerCreated;
import dev.billbridge.core.events.LifecycleEvent;
import dev.billbridge.core.events.OrganizationDeleted;
import dev.billbridge.provisioning.event.ScalekitEvent;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * After the commit: the JSON record on billing.lifecycle (keyed by organization id, waited for until
 * the broker acknowledged it) and then the in-process CDI event. The incoming Scalekit record is
 * acked only after both, so a crash in between redelivers it; the worker then re-publishes the
 * record with the same {@code id} (consumers deduplicate on it) but does not fire the CDI event again.
 */
@ApplicationScoped
public class LifecyclePublisher {

    private static final Logger LOG = Logger.getLogger(LifecyclePublisher.class);
    public static final String HEADER_LIFECYCLE_TYPE = "billbridge-lifecycle-type";
    public static final String HEADER_LIFECYCLE_ID = "billbridge-lifecycle-id";

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper mapper;
    private final Event<CustomerCreated> customerCreated;
    private final Event<OrganizationDeleted> organizationDeleted;
    private final Guard brokerWait;

    public LifecyclePublisher(@Channel("billing-lifecycle") MutinyEmitter<String> emitter, ObjectMapper mapper,
                              Event<CustomerCreated> customerCreated, Event<OrganizationDeleted> organizationDeleted) {
        this.emitter = emitter;
        this.mapper = mapper;
        this.customerCreated = customerCreated;
        this.organizationDeleted = organizationDeleted;
        // the state is committed: keep trying until the broker takes the record (the consumer waits meanwhile)
        this.brokerWait = BrokerWait.guard("lifecycle publish", LOG);
    }

    public void customerCreated(ScalekitEvent cause, String customerId, String displayName, boolean fireCdi) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("customerId", customerId);
        data.put("displayName", displayName);
        publish(LifecycleEvent.of(LifecycleEvent.CUSTOMER_CREATED, cause.organizationId(), cause.occurredAt(), cause.id(), data));
        if (fireCdi) {
            fire(() -> customerCreated.fire(new CustomerCreated(cause.organizationId(), customerId, displayName,
                    cause.occurredAt(), cause.id())));
        }
    }

    public void organizationDeleted(ScalekitEvent cause, Instant deletedAt, List<String> cancelledSubscriptionIds,
                                    boolean fireCdi) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("deletedAt", deletedAt);
        publish(LifecycleEvent.of(LifecycleEvent.ORGANIZATION_DELETED, cause.organizationId(), cause.occurredAt(), cause.id(), data));
        if (fireCdi) {
            fire(() -> organizationDeleted.fire(new OrganizationDeleted(cause.organizationId(), deletedAt,
                    List.copyOf(cancelledSubscriptionIds), cause.occurredAt(), cause.id())));
        }
    }

    private void publish(LifecycleEvent event) {
        String json;
        try {
            json = mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + event.type(), e);
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_LIFECYCLE_TYPE, event.type().getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_LIFECYCLE_ID, event.id().getBytes(StandardCharsets.UTF_8));
        Message<String> message = Message.of(json).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.organizationId()).withHeaders(headers).build());
        BrokerWait.run(brokerWait, () -> emitter.sendMessageAndAwait(message));
    }

    private static void fire(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // in-process hooks run after the commit: their failure cannot undo it, and must not block the stream
            LOG.errorf(e, "a lifecycle observer failed");
        }
    }

    /** Shared by the lifecycle and dead-letter writers. */
    static final class BrokerWait {
        static Guard guard(String what, Logger log) {
            return Guard.create()
                    .withDescription(what)
                    .withRetry()
                        .maxRetries(-1)
                        .maxDuration(0, ChronoUnit.MILLIS)
                        .delay(500, ChronoUnit.MILLIS)
                        .retryOn(Exception.class)
                        .beforeRetry(t -> log.warnf("%s failed (%s); retrying", what, t.toString()))
                        .withExponentialBackoff().factor(2).maxDelay(10, ChronoUnit.SECONDS).done()
                        .done()
                    .build();
        }

        static void run(Guard guard, Runnable r) {
            guard.get(() -> {
                r.run();
                return Boolean.TRUE;
            }, Boolean.class);
        }
    }
}
