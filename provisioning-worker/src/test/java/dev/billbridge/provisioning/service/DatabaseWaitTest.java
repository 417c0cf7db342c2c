package dev.billbridge.provisioning.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import javax.transaction.xa.XAException;

import jakarta.transaction.RollbackException;
import org.junit.jupiter.api.Test;

/** Which failures make the worker wait for the database rather than fail the record. */
class DatabaseWaitTest {

    @Test
    void aConnectionLostDuringCommitIsAnOutage() {
        // the shape Narayana and Agroal produce when Postgres shuts down while a transaction commits
        // (seen in CI): the driver's 57P01 is the cause of an XAException that is only *suppressed* on
        // the RollbackException, which is the cause of the interceptor's wrapper
        XAException xa = new XAException("Error trying to transactionCommit local transaction");
        xa.initCause(new SQLException("FATAL: terminating connection due to administrator command", "57P01"));
        RollbackException rollback = new RollbackException("ARJUNA016053: Could not commit transaction.");
        rollback.addSuppressed(xa);
        RuntimeException wrapper = new RuntimeException("Error invoking subclass method", rollback);

        assertTrue(DatabaseWait.isUnavailable(wrapper));
        assertFalse(DatabaseWait.isConflict(wrapper));
    }

    @Test
    void otherFailuresAreNot() {
        RollbackException rollback = new RollbackException("ARJUNA016053: Could not commit transaction.");
        rollback.addSuppressed(new SQLException("value too long", "22001"));
        assertFalse(DatabaseWait.isUnavailable(new RuntimeException(rollback)));
        assertFalse(DatabaseWait.isUnavailable(new IllegalStateException("bug")));
        assertTrue(DatabaseWait.isConflict(new RuntimeException(new SQLException("duplicate key", "23505"))));
    }

    @Test
    void aSelfReferencingChainEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.addSuppressed(b);
        assertFalse(DatabaseWait.isUnavailable(b));
    }
}
