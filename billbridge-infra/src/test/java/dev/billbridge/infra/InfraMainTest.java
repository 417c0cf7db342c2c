package dev.billbridge.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfraMainTest {

    @Test
    void parsesOptionsAndRejectsBadOnes() {
        var o = InfraMain.InfraOptions.parse(new String[] {"--kafka-port", "19092", "--partitions", "6", "--control-stdin"});
        assertEquals(19092, o.kafkaPort());
        assertEquals(6, o.partitions());
        assertTrue(o.controlStdin());
        assertEquals(InfraMain.InfraOptions.DEFAULT_TOPICS, o.topics());
        assertThrows(IllegalArgumentException.class, () -> InfraMain.InfraOptions.parse(new String[] {"--kafka-port", "x"}));
        assertThrows(IllegalArgumentException.class, () -> InfraMain.InfraOptions.parse(new String[] {"--partitions", "0"}));
        assertThrows(IllegalArgumentException.class, () -> InfraMain.InfraOptions.parse(new String[] {"--nope"}));
        assertThrows(IllegalArgumentException.class, () -> InfraMain.InfraOptions.parse(new String[] {"--state-dir"}));
    }

    /**
     * One launch covers the contract the launcher and the tests rely on: endpoints printed, topics
     * created, the database reachable with the printed credentials, state kept in the state dir, and
     * the process gone once its parent is killed with -9.
     */
    @Test
    void startsRealBrokerAndDatabaseThenExitsWhenItsParentDies(@TempDir Path state) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        // an intermediate shell plays the parent; killing it must take the infrastructure down
        String inner = String.join(" ", List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", "'" + cp + "'",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "dev.billbridge.infra.InfraMain",
                "--state-dir", "'" + state + "'", "--partitions", "2"));
        Process shell = new ProcessBuilder("bash", "-c", inner + " & echo child=$!; wait")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> endpoints = new HashMap<>();
        long child = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("child=")) {
                    child = Long.parseLong(line.substring(6));
                } else if (line.equals(InfraMain.PREFIX + "ready")) {
                    break;
                } else if (line.startsWith(InfraMain.PREFIX) && line.contains("=")) {
                    String kv = line.substring(InfraMain.PREFIX.length());
                    endpoints.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
                }
            }
            assertTrue(child > 0, "child pid printed");
            assertTrue(endpoints.containsKey("kafka.bootstrap.servers"), endpoints.toString());

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoints.get("kafka.bootstrap.servers")))) {
                var topics = admin.describeTopics(InfraMain.InfraOptions.DEFAULT_TOPICS).allTopicNames().get(30, TimeUnit.SECONDS);
                assertEquals(InfraMain.InfraOptions.DEFAULT_TOPICS.size(), topics.size());
                topics.values().forEach(t -> assertEquals(2, t.partitions().size(), t.name()));
            }
            try (Connection c = DriverManager.getConnection(endpoints.get("jdbc.url"), endpoints.get("jdbc.username"), endpoints.get("jdbc.password"));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_database(), current_user")) {
                assertTrue(rs.next());
                assertEquals("billbridge", rs.getString(1));
                assertEquals("billbridge", rs.getString(2));
            }
            assertTrue(Files.exists(state.resolve("endpoints.properties")));
            assertTrue(Files.isDirectory(state.resolve("kafka" + File.separator + "logs")));
            assertTrue(Files.isDirectory(state.resolve("postgres" + File.separator + "data")));
        } finally {
            ProcessHandle.of(shell.pid()).ifPresent(ProcessHandle::destroyForcibly); // kill -9 the parent
        }
        ProcessHandle infra = ProcessHandle.of(child).orElse(null);
        if (infra != null) {
            boolean gone = infra.onExit().toCompletableFuture().handle((p, e) -> true).get(60, TimeUnit.SECONDS);
            assertTrue(gone);
        }
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "infrastructure outlived its parent");
    }
}
