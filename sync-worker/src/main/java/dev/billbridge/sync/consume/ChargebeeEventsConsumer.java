package dev.billbridge.sync.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.sync.apply.ApplyChargebeeEvents;
import dev.billbridge.sync.apply.ChargebeeEvent;
import dev.billbridge.sync.apply.Effects;
import dev.billbridge.sync.publish.DeadLetters;
import dev.billbridge.sync.publish.LifecyclePublisher;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes {@code chargebee.events} (group sync-worker) a poll at a time. A poll is acked, and so
 * its offsets committed, only after every event was applied and recorded (or, when it can never be
 * applied, dead-lettered) and the resulting lifecycle records were acknowledged by the broker. That
 * acknowledgement is awaited while the next poll is applied, not before: the broker's round trip is
 * most of a lifecycle send, and the two overlap on different cores. A poll's records are sent only
 * after the previous poll's were acknowledged, so an organization's records stay in order.
 * While the database is down the method waits, which pauses the partitions (the connector stops
 * fetching once its queue is full) and resumes when it is back.
 */
@ApplicationScoped
public class ChargebeeEventsConsumer {

    private static final Logger LOG = Logger.getLogger(ChargebeeEventsConsumer.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final int ATTEMPTS_PER_EVENT = 3;

    @Inject
    ApplyChargebeeEvents apply;

    @Inject
    DeadLetters deadLetters;

    @Inject
    LifecyclePublisher lifecycle;

    @Inject
    Event<Object> hooks;

    @Inject
    DatabaseProbe database;

    @Inject
    SyncStats stats;

    /**
     * Per copy of the channel ({@code concurrency}; each copy has its own consumer and partitions and
     * handles its polls one at a time): the previous poll's announcement, complete once its lifecycle
     * records were acknowledged and the poll acked.
     */
    private final Map<String, CompletableFuture<Void>> announced = new ConcurrentHashMap<>();

    @Incoming("chargebee-events")
    @Blocking
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public CompletionStage<Void> onPoll(Message<ConsumerRecords<String, String>> poll) throws InterruptedException {
        String copy = poll.getMetadata(IncomingKafkaRecordBatchMetadata.class).map(m -> m.getChannel()).orElse("");
        process(copy, poll.getPayload(), poll::ack);
        // the ack follows when the lifecycle records are acknowledged; the next poll need not wait for it
        return CompletableFuture.completedFuture(null);
    }

    /** Applies a poll and waits until its lifecycle records are acknowledged (replays and tests). */
    public void consume(ConsumerRecords<String, String> records) throws InterruptedException {
        await(process("consume", records, () -> CompletableFuture.completedFuture(null)));
    }

    private CompletableFuture<Void> process(String copy, ConsumerRecords<String, String> records,
                                            Supplier<CompletionStage<Void>> ack) throws InterruptedException {
        stats.firstBatchNanos.compareAndSet(0, System.nanoTime());
        List<ChargebeeEvent> events = new ArrayList<>(records.count());
        List<ConsumerRecord<String, String>> sources = new ArrayList<>(records.count());
        parse(records, events, sources);
        Effects fx = applyBatch(events, sources);
        fireHooks(fx);
        // the previous poll's records go first; by now the broker has usually acknowledged them
        await(announced.getOrDefault(copy, CompletableFuture.completedFuture(null)));
        CompletableFuture<Void> next = lifecycle.publishAll(fx.lifecycle, SEND_TIMEOUT)
                .thenCompose(v -> ack.get())
                .thenRun(() -> {
                    stats.recorded.addAndGet(fx.recorded);
                    stats.duplicates.addAndGet(fx.duplicates);
                    stats.count("applied", fx.recorded);
                    stats.count("duplicate", fx.duplicates);
                });
        announced.put(copy, next);
        return next;
    }

    /**
     * Parses the poll on this thread and one from the common pool: the bodies are independent, and
     * parsing is the largest share of a poll's CPU that needs no lock. Malformed ones are
     * dead-lettered here, in poll order.
     */
    private void parse(ConsumerRecords<String, String> records, List<ChargebeeEvent> events,
                       List<ConsumerRecord<String, String>> sources) throws InterruptedException {
        List<ConsumerRecord<String, String>> all = new ArrayList<>(records.count());
        records.forEach(all::add);
        Object[] parsed = new Object[all.size()];
        IntStream.range(0, parsed.length).parallel().forEach(i -> {
            try {
                parsed[i] = ChargebeeEvent.parse(all.get(i).value());
            } catch (ChargebeeEvent.Malformed e) {
                parsed[i] = e;
            }
        });
        for (int i = 0; i < parsed.length; i++) {
            if (parsed[i] instanceof ChargebeeEvent ev) {
                events.add(ev);
                sources.add(all.get(i));
            } else {
                ChargebeeEvent.Malformed e = (ChargebeeEvent.Malformed) parsed[i];
                deadLetter(all.get(i), "malformed-event: " + e.getMessage(), e);
            }
        }
    }

    private static void await(CompletableFuture<Void> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            // publishAll retries until acknowledged; only the ack can fail, and then the poll is redelivered
            LOG.warnf("acknowledging a poll failed (%s); its events will be redelivered as duplicates",
                    summary(e.getCause()));
        }
    }

    /** The whole poll in one transaction; if that fails with the database up, event by event. */
    private Effects applyBatch(List<ChargebeeEvent> events, List<ConsumerRecord<String, String>> sources)
            throws InterruptedException {
        while (true) {
            try {
                return apply.apply(events);
            } catch (RuntimeException e) {
                if (!database.isUp()) {
                    awaitDatabase(e);
                    continue;
                }
                if (events.size() > 1) {
                    LOG.infof("batch of %d events failed (%s); applying them one by one", events.size(), summary(e));
                }
                return applyEach(events, sources);
            }
        }
    }

    private Effects applyEach(List<ChargebeeEvent> events, List<ConsumerRecord<String, String>> sources)
            throws InterruptedException {
        Effects all = new Effects();
        for (int i = 0; i < events.size(); i++) {
            ChargebeeEvent ev = events.get(i);
            int failures = 0;
            while (true) {
                try {
                    all.addAll(apply.apply(List.of(ev)));
                    break;
                } catch (RuntimeException e) {
                    ReconcileSubscription.InvalidSnapshot invalid = find(e, ReconcileSubscription.InvalidSnapshot.class);
                    if (invalid != null) {
                        deadLetter(sources.get(i), "invalid-event: " + invalid.getMessage(), invalid);
                        break;
                    }
                    if (!database.isUp()) {
                        awaitDatabase(e);
                        continue;
                    }
                    if (++failures >= ATTEMPTS_PER_EVENT) {
                        LOG.errorf(e, "event %s (%s) failed %d times with the database up; dead-lettering it", ev.id(),
                                ev.type(), failures);
                        deadLetter(sources.get(i), "apply-failed: " + summary(e), e);
                        break;
                    }
                    Thread.sleep(200L * failures);
                }
            }
        }
        return all;
    }

    private void awaitDatabase(RuntimeException cause) throws InterruptedException {
        stats.databasePauses.incrementAndGet();
        LOG.warnf("database unavailable (%s): pausing consumption until it is back", summary(cause));
        long delay = 250;
        while (!database.isUp()) {
            Thread.sleep(delay);
            delay = Math.min(delay * 2, 5_000);
        }
        LOG.info("database is back: resuming consumption");
    }

    /** After commit. Observers run on this thread; one that fails is logged and the others still run. */
    private void fireHooks(Effects fx) {
        for (Object hook : fx.hooks) {
            try {
                hooks.fire(hook);
            } catch (RuntimeException e) {
                LOG.errorf(e, "observer of %s failed", hook.getClass().getSimpleName());
            }
        }
    }

    private void deadLetter(ConsumerRecord<String, String> r, String reason, Throwable cause) throws InterruptedException {
        long delay = 500;
        while (true) {
            try {
                deadLetters.send(r, reason, cause, SEND_TIMEOUT);
                stats.deadLettered.incrementAndGet();
                stats.count("dead-lettered", 1);
                LOG.warnf("dead-lettered %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), reason);
                return;
            } catch (RuntimeException e) {
                LOG.warnf("dead-lettering %s-%d@%d failed (%s); retrying", r.topic(), r.partition(), r.offset(),
                        summary(e));
                Thread.sleep(delay);
                delay = Math.min(delay * 2, 10_000);
            }
        }
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** Exception classes and messages down the cause chain: never a record body. */
    private static String summary(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 400; c = c.getCause()) {
            if (!sb.isEmpty()) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }
}
