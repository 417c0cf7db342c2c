package dev.billbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Argument validation and exit codes; no broker needed (an unreachable one is the failure case). */
class UsageTest {

    @ParameterizedTest
    @ValueSource(strings = {"lag", "replay", "redrive", "reconcile", "events"})
    void everyCommandHasHelp(String command) {
        Ops.Result r = Ops.raw(command, "--help");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("Usage: billbridge-ops " + command), r.toString());
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes() {
        Ops.Result r = Ops.raw("--help");
        assertEquals(0, r.exit());
        for (String c : new String[]{"lag", "replay", "redrive", "reconcile", "events", "Exit codes"}) {
            assertTrue(r.out().contains(c), c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",                                                              // no command
            "nosuch",                                                        // unknown command
            "replay --group g --topic t",                                    // no start position
            "replay --group g --topic t --from-beginning --from-offset 3",   // two start positions
            "replay --group g --topic t --from yesterday",                   // not an ISO time
            "replay --topic t --from-beginning",                             // no group
            "replay --group g --topic t --from-offset -1",                   // negative offset
            "replay --group g --topic t --from-offset x",                    // not a number
            "redrive",                                                       // no DLQ topic
            "reconcile",                                                     // neither --org nor --all
            "reconcile --org o1 --all",                                      // both
            "reconcile --all --page-size 500",                               // page size over 100
            "events",                                                        // no --org
            "lag --bogus",                                                   // unknown option
    })
    void usageErrorsExitWith2(String line) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        Ops.Result r = Ops.raw(args);
        assertEquals(2, r.exit(), line + "\n" + r);
        assertTrue(r.err().contains("Usage:"), "usage is shown: " + r);
    }

    @Test
    void unreachableBrokerIsAFailureNotAUsageError() {
        Ops.Result r = Ops.raw("lag", "--kafka-bootstrap-servers", "127.0.0.1:1");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error:"), r.toString());
    }

    @Test
    void reconcileWithoutChargebeeSettingsIsAFailure() {
        Ops.Result r = Ops.raw("reconcile", "--org", "org_x", "--chargebee-site", "", "--chargebee-api-key", "");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("CHARGEBEE_SITE"), r.toString());
    }

    @Test
    void isoTimeForms() {
        var c = new ReplayCommand.IsoTime();
        assertEquals("2026-11-23T08:00:00Z", c.convert("2026-11-23T08:00:00Z").toString());
        assertEquals("2026-11-23T07:00:00Z", c.convert("2026-11-23T08:00:00+01:00").toString());
        assertEquals("2026-11-23T00:00:00Z", c.convert("2026-11-23").toString());
    }
}
