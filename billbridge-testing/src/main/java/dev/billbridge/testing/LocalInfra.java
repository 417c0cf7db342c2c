package dev.billbridge.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real Kafka broker and PostgreSQL server for a test JVM: started once, in a JVM of their own,
 * or reused when the environment already names running ones.
 *
 * <p>Reuse: set {@code BILLBRIDGE_TEST_KAFKA_BOOTSTRAP_SERVERS} and {@code BILLBRIDGE_TEST_JDBC_URL}
 * (plus {@code BILLBRIDGE_TEST_JDBC_USERNAME}/{@code _PASSWORD}, default billbridge). A reused
 * infrastructure cannot be stopped and started by tests; those tests are skipped then.
 */
public final class LocalInfra {

    private static final String PREFIX = "billbridge-infra: ";
    private static LocalInfra instance;

    private final Map<String, String> endpoints;
    private final Process process;
    private final Writer control;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

    private LocalInfra(Map<String, String> endpoints, Process process, Writer control) {
        this.endpoints = endpoints;
        this.process = process;
        this.control = control;
    }

    public static synchronized LocalInfra get() {
        if (instance == null) {
            instance = reuseFromEnvironment();
            if (instance == null) {
                instance = launch();
            }
        }
        return instance;
    }

    public String bootstrapServers() {
        return endpoints.get("kafka.bootstrap.servers");
    }

    public String jdbcUrl() {
        return endpoints.get("jdbc.url");
    }

    public String username() {
        return endpoints.get("jdbc.username");
    }

    public String password() {
        return endpoints.get("jdbc.password");
    }

    /** Whether this JVM owns the infrastructure, and so may stop and start its parts. */
    public boolean controllable() {
        return process != null;
    }

    public void stopKafka() {
        command("stop-kafka");
    }

    public void startKafka() {
        command("start-kafka");
    }

    public void stopPostgres() {
        command("stop-postgres");
    }

    public void startPostgres() {
        command("start-postgres");
    }

    /** Quarkus configuration for a service under test. */
    public Map<String, String> quarkusConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", bootstrapServers());
        c.put("quarkus.datasource.jdbc.url", jdbcUrl());
        c.put("quarkus.datasource.username", username());
        c.put("quarkus.datasource.password", password());
        return c;
    }

    private synchronized void command(String command) {
        if (!controllable()) {
            throw new IllegalStateException("the infrastructure is reused from the environment; it cannot be " + command);
        }
        try {
            replies.clear();
            control.write(command + "\n");
            control.flush();
            String reply = replies.poll(120, TimeUnit.SECONDS);
            if (reply == null || !reply.equals("ok " + command)) {
                throw new IllegalStateException("infrastructure answered '" + reply + "' to " + command);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static LocalInfra reuseFromEnvironment() {
        String kafka = System.getenv("BILLBRIDGE_TEST_KAFKA_BOOTSTRAP_SERVERS");
        String jdbc = System.getenv("BILLBRIDGE_TEST_JDBC_URL");
        if (blank(kafka) || blank(jdbc)) {
            return null;
        }
        Map<String, String> e = new HashMap<>();
        e.put("kafka.bootstrap.servers", kafka);
        e.put("jdbc.url", jdbc);
        e.put("jdbc.username", orDefault(System.getenv("BILLBRIDGE_TEST_JDBC_USERNAME"), "billbridge"));
        e.put("jdbc.password", orDefault(System.getenv("BILLBRIDGE_TEST_JDBC_PASSWORD"), "billbridge"));
        return new LocalInfra(e, null, null);
    }

    private static LocalInfra launch() {
        Path infra = root().resolve("billbridge-infra").resolve("target");
        if (!Files.isDirectory(infra.resolve("classes")) || !Files.isDirectory(infra.resolve("lib"))) {
            throw new IllegalStateException("billbridge-infra is not built at " + infra
                    + ": run the build from the repository root (./mvnw -B verify)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", infra.resolve("classes") + File.pathSeparator + infra.resolve("lib") + File.separator + "*",
                "dev.billbridge.infra.InfraMain", "--control-stdin"));
        String partitions = System.getProperty("billbridge.test.partitions");
        if (!blank(partitions)) {
            cmd.add("--partitions");
            cmd.add(partitions);
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Map<String, String> endpoints = new HashMap<>();
            LocalInfra li = new LocalInfra(endpoints, p,
                    new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
            BlockingQueue<String> ready = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (!line.startsWith(PREFIX)) {
                            continue;
                        }
                        String msg = line.substring(PREFIX.length());
                        if (msg.equals("ready")) {
                            ready.add(msg);
                        } else if (msg.startsWith("ok ") || msg.startsWith("error ")) {
                            li.replies.add(msg);
                        } else if (msg.contains("=")) {
                            int eq = msg.indexOf('=');
                            endpoints.put(msg.substring(0, eq), msg.substring(eq + 1));
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                ready.add("exited");
            }, "billbridge-infra-stdout");
            reader.setDaemon(true);
            reader.start();
            String first = ready.poll(180, TimeUnit.SECONDS);
            if (!"ready".equals(first)) {
                p.destroyForcibly();
                throw new IllegalStateException("billbridge-infra did not start (" + first + ")");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    li.control.write("shutdown\n");
                    li.control.flush();
                    li.control.close();
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            }, "billbridge-infra-stop"));
            return li;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The repository root: surefire passes it; from an IDE we walk up from the working directory. */
    static Path root() {
        String fromBuild = System.getProperty("billbridge.root");
        if (!blank(fromBuild) && Files.isDirectory(Path.of(fromBuild, "billbridge-infra"))) {
            return Path.of(fromBuild);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("billbridge-infra"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the billbridge repository root from " + Path.of("").toAbsolutePath());
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String orDefault(String s, String d) {
        return blank(s) ? d : s;
    }
}
