package dev.billbridge.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** lag and replay against the real broker, on topics and groups of the test's own. */
class LagReplayTest {

    @Test
    void lagShowsCommittedEndLagAndDeadLetterSizes() throws Exception {
        String topic = Ops.unique("ops-lag");
        String dlq = topic + ".dlq";
        String group = Ops.unique("ops-lag-group");
        Ops.createTopic(topic, 2);
        Ops.createTopic(dlq, 1);
        try (var p = Ops.producer()) {
            for (int i = 0; i < 5; i++) {
                Ops.send(p, topic, 0, "k", "v" + i, null);
            }
            Ops.send(p, topic, 1, "k", "w", null);
            Ops.send(p, dlq, 0, "k", "dead1", null);
            Ops.send(p, dlq, 0, "k", "dead2", null);
        }
        Ops.commit(group, Map.of(new TopicPartition(topic, 0), 3L, new TopicPartition(topic, 1), 1L));

        Ops.Result r = Ops.run("lag", "--group", group);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Pattern.compile(Pattern.quote(group) + "\\s+" + Pattern.quote(topic) + "\\s+0\\s+3\\s+5\\s+2\\s")
                .matcher(r.out()).find(), r.toString());
        assertTrue(Pattern.compile(Pattern.quote(group) + "\\s+" + Pattern.quote(topic) + "\\s+1\\s+1\\s+1\\s+0\\s")
                .matcher(r.out()).find(), r.toString());
        assertTrue(Pattern.compile(Pattern.quote(dlq) + "\\s+2\\s*$", Pattern.MULTILINE).matcher(r.out()).find(), r.toString());

        // without --group every group is listed, ours among them
        Ops.Result all = Ops.run("lag");
        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.out().contains(group), all.toString());
    }

    @Test
    void replayIsRefusedWhileTheGroupHasActiveMembersAndNamesThem() throws Exception {
        String topic = Ops.unique("ops-active");
        String group = Ops.unique("ops-active-group");
        Ops.createTopic(topic, 1);
        Ops.send(topic, 0, "k", "v", null);
        try (var member = Ops.consumer(group)) {
            member.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            int got = 0;
            while (got == 0 && System.currentTimeMillis() < deadline) {
                got += member.poll(Duration.ofMillis(200)).count();
            }
            member.commitSync();
            long before = Ops.committed(group).get(new TopicPartition(topic, 0)).offset();
            assertEquals(1, before);

            Ops.Result r = Ops.run("replay", "--group", group, "--topic", topic, "--from-beginning");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("refused"), r.toString());
            String memberId = member.groupMetadata().memberId();
            assertTrue(r.err().contains(memberId), "names the member " + memberId + ": " + r);
            assertEquals(1, Ops.committed(group).get(new TopicPartition(topic, 0)).offset(), "offsets untouched");
        }
    }

    @Test
    void dryRunCountsPerPartitionAndChangesNothingThenReplayResets() throws Exception {
        String topic = Ops.unique("ops-replay");
        String group = Ops.unique("ops-replay-group");
        Ops.createTopic(topic, 3);
        try (var p = Ops.producer()) {
            for (int i = 0; i < 4; i++) {
                Ops.send(p, topic, 0, "a", "a" + i, null);
            }
            for (int i = 0; i < 2; i++) {
                Ops.send(p, topic, 1, "b", "b" + i, null);
            }
        }
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        TopicPartition p2 = new TopicPartition(topic, 2);
        Ops.commit(group, Map.of(p0, 4L, p1, 2L, p2, 0L));

        Ops.Result dry = Ops.run("replay", "--group", group, "--topic", topic, "--from-beginning", "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(Pattern.compile("(?m)^\\s+0\\s+4\\s+0\\s+4\\s+4$").matcher(dry.out()).find(), dry.toString());
        assertTrue(Pattern.compile("(?m)^\\s+1\\s+2\\s+0\\s+2\\s+2$").matcher(dry.out()).find(), dry.toString());
        assertTrue(Pattern.compile("(?m)^\\s+2\\s+0\\s+0\\s+0\\s+0$").matcher(dry.out()).find(), dry.toString());
        assertTrue(dry.out().contains("6 record(s) would be delivered again"), dry.toString());
        assertEquals(4, Ops.committed(group).get(p0).offset(), "dry run changes nothing");
        assertEquals(2, Ops.committed(group).get(p1).offset(), "dry run changes nothing");

        Ops.Result one = Ops.run("replay", "--group", group, "--topic", topic, "--from-offset", "1", "--partitions", "0");
        assertEquals(0, one.exit(), one.toString());
        assertEquals(1, Ops.committed(group).get(p0).offset());
        assertEquals(2, Ops.committed(group).get(p1).offset(), "other partitions untouched");

        Ops.Result all = Ops.run("replay", "--group", group, "--topic", topic, "--from-beginning");
        assertEquals(0, all.exit(), all.toString());
        assertEquals(0, Ops.committed(group).get(p0).offset());
        assertEquals(0, Ops.committed(group).get(p1).offset());

        // a consumer of the group now really gets the records again
        int redelivered = 0;
        try (var c = Ops.consumer(group)) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (redelivered < 6 && System.currentTimeMillis() < deadline) {
                redelivered += c.poll(Duration.ofMillis(200)).count();
            }
        }
        assertEquals(6, redelivered);
    }

    @Test
    void replayFromATime() throws Exception {
        String topic = Ops.unique("ops-time");
        String group = Ops.unique("ops-time-group");
        Ops.createTopic(topic, 1);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (var p = Ops.producer()) {
            for (int i = 0; i < 5; i++) {
                Ops.send(p, topic, 0, "k", "v" + i, t0.plusSeconds(60L * i).toEpochMilli());
            }
        }
        TopicPartition p0 = new TopicPartition(topic, 0);
        Ops.commit(group, Map.of(p0, 5L));

        Ops.Result r = Ops.run("replay", "--group", group, "--topic", topic, "--from", "2026-01-01T00:01:30Z");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(2, Ops.committed(group).get(p0).offset(), "the first record at or after 00:01:30 is offset 2");

        Ops.Result later = Ops.run("replay", "--group", group, "--topic", topic, "--from", "2027-01-01");
        assertEquals(0, later.exit(), later.toString());
        assertEquals(5, Ops.committed(group).get(p0).offset(), "nothing after the time: the end");
    }

    @Test
    void replayOfAPartitionTheTopicDoesNotHaveIsAUsageError() throws Exception {
        String topic = Ops.unique("ops-parts");
        Ops.createTopic(topic, 1);
        Ops.Result r = Ops.run("replay", "--group", Ops.unique("g"), "--topic", topic, "--from-beginning", "--partitions", "7");
        assertEquals(2, r.exit(), r.toString());
        Ops.Result missing = Ops.run("replay", "--group", Ops.unique("g"), "--topic", Ops.unique("nosuch"), "--from-beginning");
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.err().contains("does not exist"), missing.toString());
    }
}
