package dev.billbridge.infra;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a real single-node KRaft broker and a real PostgreSQL in this JVM, creates the topics and
 * prints the endpoints. Tests and {@code ./billbridge up} both start it as a separate process, so
 * the broker's Scala and logging stack never meets a Quarkus class path.
 *
 * <p>Protocol on stdout (one line each, all prefixed {@code billbridge-infra: }):
 * {@code kafka.bootstrap.servers=…}, {@code jdbc.url=…}, {@code jdbc.username=…},
 * {@code jdbc.password=…}, then {@code ready}. With {@code --control-stdin} it also reads commands
 * ({@code stop-kafka}, {@code start-kafka}, {@code stop-postgres}, {@code start-postgres},
 * {@code shutdown}) and answers each with {@code ok <command>}; EOF on stdin then means shutdown.
 */
public final class InfraMain {

    static final String PREFIX = "billbridge-infra: ";

    public static void main(String[] args) throws Exception {
        InfraOptions options;
        try {
            options = InfraOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(PREFIX + e.getMessage());
            System.err.println(InfraOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(InfraOptions.USAGE);
            return;
        }
        run(options, System.out);
    }

    static void run(InfraOptions options, PrintStream out) throws Exception {
        Path stateDir = options.stateDir();
        boolean ephemeral = stateDir == null;
        if (ephemeral) {
            stateDir = Files.createTempDirectory("billbridge-infra-");
        }
        Files.createDirectories(stateDir);

        LocalPostgres postgres = new LocalPostgres(stateDir.resolve("postgres"), options.postgresPort(),
                options.dbName(), options.dbUser(), options.dbPassword());
        LocalKafka kafka = new LocalKafka(stateDir.resolve("kafka"), options.kafkaPort(), options.controllerPort());

        CountDownLatch done = new CountDownLatch(1);
        Path finalStateDir = stateDir;
        Thread shutdown = new Thread(() -> {
            // Consumers leave before the broker goes (they are separate processes and stopped first by
            // whoever started us); here the broker goes before the database so nothing logs spurious errors.
            kafka.stop();
            postgres.stop();
            if (ephemeral) {
                deleteQuietly(finalStateDir);
            }
            done.countDown();
        }, "billbridge-infra-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);

        postgres.start();
        kafka.start();
        kafka.createTopics(options.topics(), options.partitions());

        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        endpoints.put("jdbc.url", postgres.jdbcUrl());
        endpoints.put("jdbc.username", options.dbUser());
        endpoints.put("jdbc.password", options.dbPassword());
        endpoints.put("postgres.port", Integer.toString(postgres.port()));
        writeEndpoints(stateDir.resolve("endpoints.properties"), endpoints);
        endpoints.forEach((k, v) -> out.println(PREFIX + k + "=" + v));
        out.println(PREFIX + "ready");
        out.flush();

        ParentWatch.exitWhenParentDies();
        if (options.controlStdin()) {
            readCommands(kafka, postgres, out);
            System.exit(0);
        }
        done.await();
    }

    private static void readCommands(LocalKafka kafka, LocalPostgres postgres, PrintStream out) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String command = line.trim().toLowerCase(Locale.ROOT);
            try {
                switch (command) {
                    case "" -> { continue; }
                    case "stop-kafka" -> kafka.stop();
                    case "start-kafka" -> kafka.start();
                    case "stop-postgres" -> postgres.stop();
                    case "start-postgres" -> postgres.start();
                    case "shutdown" -> { return; }
                    default -> {
                        out.println(PREFIX + "error unknown command " + command);
                        out.flush();
                        continue;
                    }
                }
                out.println(PREFIX + "ok " + command);
            } catch (Exception e) {
                out.println(PREFIX + "error " + command + ": " + e);
            }
            out.flush();
        }
    }

    private static void writeEndpoints(Path file, Map<String, String> endpoints) throws IOException {
        Properties p = new Properties();
        p.putAll(endpoints);
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "written by billbridge-infra at start");
        }
    }

    static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp dir left behind is harmless
                }
            });
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** Command-line options; every flag also has an environment variable so scripts stay short. */
    record InfraOptions(Path stateDir, int kafkaPort, int controllerPort, int postgresPort, int partitions,
                        List<String> topics, String dbName, String dbUser, String dbPassword,
                        boolean controlStdin, boolean help) {

        static final List<String> DEFAULT_TOPICS = List.of(
                "scalekit.events", "scalekit.events.dlq",
                "chargebee.events", "chargebee.events.dlq",
                "billing.lifecycle");

        static final String USAGE = """
                Usage: java -jar billbridge-infra.jar [options]
                  --state-dir DIR       keep broker and database data here across restarts (default: a temp dir, deleted on exit)
                  --kafka-port N        broker port, 0 picks a free one (default 0)
                  --controller-port N   KRaft controller port (default 0)
                  --postgres-port N     PostgreSQL port (default 0)
                  --partitions N        partitions per topic (default 3, env BILLBRIDGE_TOPIC_PARTITIONS)
                  --topics a,b,c        topics to create (default: the billbridge topics)
                  --db-name/--db-user/--db-password   database and owner to create (default billbridge)
                  --control-stdin       accept stop-kafka|start-kafka|stop-postgres|start-postgres|shutdown on stdin
                """;

        static InfraOptions parse(String[] args) {
            Path stateDir = null;
            int kafkaPort = 0;
            int controllerPort = 0;
            int postgresPort = 0;
            int partitions = intEnv("BILLBRIDGE_TOPIC_PARTITIONS", 3);
            List<String> topics = DEFAULT_TOPICS;
            String dbName = "billbridge";
            String dbUser = "billbridge";
            String dbPassword = "billbridge";
            boolean control = false;
            boolean help = false;
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            while (!rest.isEmpty()) {
                String flag = rest.remove(0);
                switch (flag) {
                    case "--state-dir" -> stateDir = Path.of(value(flag, rest));
                    case "--kafka-port" -> kafkaPort = port(flag, value(flag, rest));
                    case "--controller-port" -> controllerPort = port(flag, value(flag, rest));
                    case "--postgres-port" -> postgresPort = port(flag, value(flag, rest));
                    case "--partitions" -> partitions = positive(flag, value(flag, rest));
                    case "--topics" -> topics = List.of(value(flag, rest).split(","));
                    case "--db-name" -> dbName = value(flag, rest);
                    case "--db-user" -> dbUser = value(flag, rest);
                    case "--db-password" -> dbPassword = value(flag, rest);
                    case "--control-stdin" -> control = true;
                    case "-h", "--help" -> help = true;
                    default -> throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            return new InfraOptions(stateDir, kafkaPort, controllerPort, postgresPort, partitions, topics,
                    dbName, dbUser, dbPassword, control, help);
        }

        private static String value(String flag, List<String> rest) {
            if (rest.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return rest.remove(0);
        }

        private static int port(String flag, String v) {
            int p = integer(flag, v);
            if (p < 0 || p > 65535) {
                throw new IllegalArgumentException(flag + " must be a port between 0 and 65535");
            }
            return p;
        }

        private static int positive(String flag, String v) {
            int n = integer(flag, v);
            if (n < 1) {
                throw new IllegalArgumentException(flag + " must be at least 1");
            }
            return n;
        }

        private static int integer(String flag, String v) {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " takes a whole number, not '" + v + "'");
            }
        }

        private static int intEnv(String name, int fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : positive(name, v);
        }
    }
}
