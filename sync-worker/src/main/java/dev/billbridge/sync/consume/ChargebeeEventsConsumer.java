package dev.billbridge.sync.consume;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.sync.apply.ApplyChargebeeEvents;
import dev.billbridge.sync.apply.ChargebeeEvent;
import dev.billbridge.sync.apply.Effects;
import dev.billbridge.sync.publish.DeadLetters;
import dev.billbridge.sync.publish.LifecyclePublisher;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Consumes {@code chargebee.events} (group sync-worker) a poll at a time. The batch is acked, and so
 * its offsets committed, only when this method returns: after every event was applied and recorded
 * (or, when it can never be applied, dead-lettered) and the resulting lifecycle records were
 * acknowledged by the broker. While the database is down the method waits, which pauses the
 * partitions (the connector stops fetching once its queue is full) and resumes when it is back.
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

    @Incoming("chargebee-events")
    @Blocking
    public void consume(ConsumerRecords<String, String> records) throws InterruptedException {
        stats.firstBatchNanos.compareAndSet(0, System.nanoTime());
        List<ChargebeeEvent> events = new ArrayList<>(records.count());
        List<ConsumerRecord<String, String>> sources = new ArrayList<>(records.count());
        for (ConsumerRecord<String, String> r : records) {
            try {
                events.add(ChargebeeEvent.parse(r.value()));
                sources.add(r);
            } catch (ChargebeeEvent.Malformed e) {
                deadLetter(r, "malformed-event: " + e.getMessage(), e);
            }
        }
        Effects fx = applyBatch(events, sources);
        stats.recorded.addAndGet(fx.recorded);
        stats.duplicates.addAndGet(fx.duplicates);
        stats.count("applied", fx.recorded);
        stats.count("duplicate", fx.duplicates);
        announce(fx);
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

    /** After commit: lifecycle records (retried until the broker takes them), then the CDI hooks. */
    private void announce(Effects fx) throws InterruptedException {
        long delay = 500;
        while (true) {
            try {
                lifecycle.publishAll(fx.lifecycle, SEND_TIMEOUT);
                break;
            } catch (RuntimeException e) {
                // redelivery would find the events recorded and not announce them again: never give up here
                LOG.warnf("publishing %d lifecycle records failed (%s); retrying", fx.lifecycle.size(), summary(e));
                Thread.sleep(delay);
                delay = Math.min(delay * 2, 10_000);
            }
        }
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
