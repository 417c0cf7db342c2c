package dev.billbridge.provisioning.service;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.sql.SQLException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.billbridge.provisioning.config.ProvisioningConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.exception.JDBCConnectionException;
import org.jboss.logging.Logger;

/**
 * Runs one short transaction, and while the database is unreachable keeps retrying it (unbounded,
 * exponential backoff). The consumer thread waits here, so the Kafka connector stops fetching once
 * its small buffer is full (it pauses the partitions) and resumes when the database is back: nothing
 * goes to the DLQ because of an outage, and nothing is acked before it was applied. No transaction
 * is open while waiting: each attempt is a new one.
 *
 * <p>A unique-key conflict is retried too: it means another instance applied the same event or
 * inserted the same organization concurrently, and the next attempt sees that and skips.
 */
@ApplicationScoped
public class DatabaseWait {

    private static final Logger LOG = Logger.getLogger(DatabaseWait.class);

    private final Guard guard;

    public DatabaseWait(ProvisioningConfig config, MeterRegistry registry) {
        Counter waits = registry.counter("provisioning.database.retries");
        this.guard = Guard.create()
                .withDescription("database: wait while unreachable")
                .withRetry()
                    .maxRetries(-1)
                    .maxDuration(0, ChronoUnit.MILLIS)
                    .delay(config.database().retryDelay().toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .whenException(t -> isUnavailable(t) || isConflict(t))
                    .beforeRetry(t -> {
                        waits.increment();
                        if (isConflict(t)) {
                            LOG.debugf("concurrent write of the same event/organization; re-checking");
                        } else {
                            LOG.warnf("database unavailable (%s); waiting before retrying", rootMessage(t));
                        }
                    })
                    .withExponentialBackoff()
                        .factor(2)
                        .maxDelay(config.database().maxRetryDelay().toMillis(), ChronoUnit.MILLIS)
                        .done()
                    .done()
                .build();
    }

    public <T> T call(Callable<T> transaction) {
        try {
            @SuppressWarnings("unchecked")
            T result = (T) guard.call((Callable<Object>) transaction, Object.class);
            return result;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connection refused/lost, pool exhausted, server shutting down or starting up. */
    static boolean isUnavailable(Throwable t) {
        for (Throwable c : chain(t)) {
            if (c instanceof JDBCConnectionException || c instanceof ConnectException || c instanceof EOFException
                    || c instanceof SocketException) {
                return true;
            }
            if (c instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"))) {
                    return true;
                }
                String msg = String.valueOf(sql.getMessage());
                if (state == null && msg.contains("Acquisition timeout")) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean isConflict(Throwable t) {
        for (Throwable c : chain(t)) {
            if (c instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The throwable, its causes and the exceptions suppressed along the way. A connection lost
     * during commit arrives as a RollbackException whose reason (the driver's "terminating
     * connection", 57P01) is only attached as suppressed to it, not as its cause.
     */
    private static List<Throwable> chain(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> todo = new ArrayDeque<>();
        todo.add(t);
        while (!todo.isEmpty()) {
            Throwable c = todo.poll();
            if (c == null || !seen.add(c)) {
                continue;
            }
            out.add(c);
            if (c.getCause() != null) {
                todo.add(c.getCause());
            }
            todo.addAll(List.of(c.getSuppressed()));
        }
        return out;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }
}
