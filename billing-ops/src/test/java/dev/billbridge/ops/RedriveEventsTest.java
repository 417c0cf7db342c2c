package dev.billbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;

import dev.billbridge.core.events.EventHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** redrive and events against the real broker and database. */
class RedriveEventsTest {

    @BeforeAll
    static void schema() {
        Ops.migrate();
    }

    private static void dead(String dlq, String target, String key, String body, String eventId) throws Exception {
        Ops.send(dlq, null, key, body, null,
                EventHeaders.EVENT_ID, eventId, EventHeaders.EVENT_TYPE, "organization.created",
                EventHeaders.SOURCE, EventHeaders.SOURCE_SCALEKIT, "webhook-id", "msg_" + eventId,
                EventHeaders.DLQ_REASON, "chargebee 500 after 5 attempts", EventHeaders.DLQ_CAUSE, "SERVER_ERROR",
                EventHeaders.DLQ_TOPIC, target, EventHeaders.DLQ_PARTITION, "0", EventHeaders.DLQ_OFFSET, "12");
    }

    @Test
    void redriveSendsEachDeadLetterOnceKeepingKeyAndHeaders() throws Exception {
        String target = Ops.unique("ops-redrive");
        String dlq = target + ".dlq";
        Ops.createTopic(target, 3);
        Ops.createTopic(dlq, 1);
        dead(dlq, target, "org_a", "{\"id\":\"evt_a\"}", "evt_a");
        dead(dlq, target, "org_b", "{\"id\":\"evt_b\"}", "evt_b");
        Ops.send(dlq, null, "org_c", "{\"id\":\"evt_c\"}", null, EventHeaders.EVENT_ID, "evt_c"); // no dead-letter-topic

        Ops.Result dry = Ops.run("redrive", dlq, "--dry-run");
        assertEquals(1, dry.exit(), "a record without dead-letter-topic is reported as a failure: " + dry);
        assertTrue(dry.out().contains("would send 2"), dry.toString());
        assertEquals(0, Ops.readAll(target).size(), "dry run sends nothing");
        assertEquals(0, logged(dlq), "dry run logs nothing");

        Ops.Result r = Ops.run("redrive", dlq, "--event-id", "evt_a,evt_b");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("sent 2, already redriven 0"), r.toString());
        List<ConsumerRecord<byte[], byte[]>> sent = Ops.readAll(target);
        assertEquals(2, sent.size());
        ConsumerRecord<byte[], byte[]> a = sent.stream().filter(x -> "org_a".equals(Ops.str(x.key()))).findFirst().orElseThrow();
        assertEquals("{\"id\":\"evt_a\"}", Ops.str(a.value()), "body unchanged");
        assertEquals("evt_a", Ops.header(a, EventHeaders.EVENT_ID));
        assertEquals("msg_evt_a", Ops.header(a, "webhook-id"));
        assertEquals(EventHeaders.SOURCE_SCALEKIT, Ops.header(a, EventHeaders.SOURCE));
        assertNull(Ops.header(a, EventHeaders.DLQ_REASON), "dead-letter headers are not carried back");
        assertNull(Ops.header(a, EventHeaders.DLQ_TOPIC));
        assertEquals(dlq + "/0/0", Ops.header(a, RedriveCommand.REDRIVEN_FROM));
        assertEquals(2, logged(dlq));

        Ops.Result again = Ops.run("redrive", dlq, "--event-id", "evt_a,evt_b");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("sent 0, already redriven 2"), again.toString());
        assertEquals(2, Ops.readAll(target).size(), "a second run resends nothing");

        // a record that failed again comes back as a new dead letter: that one is sent once more
        dead(dlq, target, "org_a", "{\"id\":\"evt_a\"}", "evt_a");
        Ops.Result third = Ops.run("redrive", dlq, "--event-id", "evt_a");
        assertEquals(0, third.exit(), third.toString());
        assertTrue(third.out().contains("sent 1, already redriven 1"), third.toString());
        assertEquals(3, Ops.readAll(target).size());

        Ops.Result unknown = Ops.run("redrive", dlq, "--event-id", "evt_nope");
        assertEquals(1, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("evt_nope"), unknown.toString());
    }

    @Test
    void eventsShowsOneOrganizationsRecordsOnly() throws Exception {
        String t1 = Ops.unique("ops-ev-scalekit");
        String t2 = Ops.unique("ops-ev-chargebee");
        Ops.createTopic(t1, 2);
        Ops.createTopic(t2, 2);
        String org = Ops.unique("org");
        Ops.send(t1, null, org, "{\"id\":\"evt_1\",\"organization_id\":\"" + org + "\"}", 1_000L,
                EventHeaders.EVENT_ID, "evt_1", EventHeaders.EVENT_TYPE, "organization.created");
        Ops.send(t1, null, "org_other", "{\"id\":\"evt_2\"}", 2_000L, EventHeaders.EVENT_ID, "evt_2");
        // keyed by a subscription id, but the body names the organization
        Ops.send(t2, null, "sub_1", "{\"id\":\"ev_3\",\"content\":{\"customer\":{\"id\":\"" + org + "\"}}}", 3_000L,
                EventHeaders.EVENT_ID, "ev_3", EventHeaders.EVENT_TYPE, "subscription_created");
        Ops.send(t2, null, "cus_x", "{\"id\":\"ev_4\",\"content\":{\"customer\":{\"id\":\"" + org + "-not\"}}}", 4_000L,
                EventHeaders.EVENT_ID, "ev_4");

        Ops.Result r = Ops.run("events", "--org", org, "--topic", t1 + "," + t2);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("id=evt_1") && r.out().contains("id=ev_3"), r.toString());
        assertTrue(!r.out().contains("evt_2") && !r.out().contains("ev_4"), r.toString());
        assertTrue(r.out().indexOf("id=evt_1") < r.out().indexOf("id=ev_3"), "oldest first: " + r);
        assertTrue(r.out().contains("\"organization_id\":\"" + org + "\""), "raw body printed: " + r);

        Ops.Result noBody = Ops.run("events", "--org", org, "--topic", t1 + "," + t2, "--no-body", "--limit", "1");
        assertEquals(0, noBody.exit(), noBody.toString());
        assertTrue(noBody.out().contains("id=ev_3") && !noBody.out().contains("id=evt_1"), "newest 1 only: " + noBody);
        assertTrue(!noBody.out().contains("\"content\""), noBody.toString());
    }

    private static int logged(String dlq) throws Exception {
        var i = Ops.infra();
        try (var c = DriverManager.getConnection(i.jdbcUrl(), i.username(), i.password());
             var ps = c.prepareStatement("select count(*) from ops_redrive where dlq_topic = ?")) {
            ps.setString(1, dlq);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
