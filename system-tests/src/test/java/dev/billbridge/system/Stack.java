package dev.billbridge.system;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.chargebee.Environment;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import dev.billbridge.testing.LocalInfra;

/**
 * The whole system for a test: the real broker and database ({@link LocalInfra}, shared by the test JVM),
 * both simulators in-process, and the chosen services started from their PACKAGED jars
 * ({@code <module>/target/quarkus-app/quarkus-run.jar}) as real processes, configured only through the
 * documented environment variables, on free ports.
 *
 * <pre>{@code
 * try (Stack stack = Stack.builder("journey")
 *         .services(Service.WEBHOOK_INGRESS, Service.PROVISIONING_WORKER, Service.SYNC_WORKER, Service.BILLING_API)
 *         .start()) {
 *     String org = stack.scalekit().createOrganization("Acme").organizationId();
 *     stack.await("customer provisioned", Duration.ofSeconds(60), () -> stack.queryLong(
 *             "select count(*) from organization where id = ? and chargebee_customer_id is not null", org) == 1);
 *     HttpResponse<String> r = stack.http(Service.BILLING_API, "GET", "/api/...", token, null);
 *     stack.stop(Service.SYNC_WORKER);  ...  stack.start(Service.SYNC_WORKER);
 *     Stack.OpsRun run = stack.ops("lag");
 * }
 * }</pre>
 *
 * <p>Webhooks: the simulators POST to a {@link WebhookGate} in front of the ingress, so a test can lose
 * webhooks on purpose ({@code stack.chargebeeGate().drop(true)}). Logs: one file per service start under
 * {@code system-tests/target/system-logs/<stack name>/}. {@link #close()} stops the services (consumers
 * leave their groups before anything else goes), then the simulators; the broker and database stay up
 * for the next test class.
 */
public final class Stack implements AutoCloseable {

    /** The four services, their module folder and the env var that sets their HTTP port. */
    public enum Service {
        WEBHOOK_INGRESS("webhook-ingress", "INGRESS_HTTP_PORT"),
        PROVISIONING_WORKER("provisioning-worker", "PROVISIONING_HTTP_PORT"),
        SYNC_WORKER("sync-worker", "SYNC_HTTP_PORT"),
        BILLING_API("billing-api", "BILLING_API_HTTP_PORT");

        public final String module;
        public final String portEnv;

        Service(String module, String portEnv) {
            this.module = module;
            this.portEnv = portEnv;
        }
    }

    /** A finished {@code billbridge-ops} run. */
    public record OpsRun(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit=" + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static final String CHARGEBEE_WEBHOOK_USERNAME = "system-test";
    public static final String CHARGEBEE_WEBHOOK_PASSWORD = "system-test-password";
    public static final String PLAN_ITEM_PRICE_ID = "starter-USD-monthly";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final String name;
    private final Path logDir;
    private final LocalInfra infra;
    private final Map<Service, Integer> ports = new EnumMap<>(Service.class);
    private final Map<Service, Process> processes = new EnumMap<>(Service.class);
    private final Map<Service, Integer> starts = new EnumMap<>(Service.class);
    private final Map<String, String> extraEnv;
    private final Map<Service, Map<String, String>> serviceEnv;
    private final String scalekitSecret = ScalekitSimulator.generateSecret();
    private WebhookGate chargebeeGate;
    private WebhookGate scalekitGate;
    private ChargebeeSimulator chargebee;
    private ScalekitSimulator scalekit;
    private Thread hook;

    private Stack(Builder b) {
        this.name = b.name;
        this.extraEnv = b.env;
        this.serviceEnv = b.serviceEnv;
        this.infra = LocalInfra.get();
        this.logDir = Path.of(System.getProperty("billbridge.system.logs", "target/system-logs")).resolve(name);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public static final class Builder {
        private final String name;
        private final Set<Service> services = new LinkedHashSet<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<Service, Map<String, String>> serviceEnv = new EnumMap<>(Service.class);
        private int chargebeeRateLimit = 0;

        private Builder(String name) {
            this.name = name;
        }

        /** Services to start (in this order; all are waited for). Others can be started later. */
        public Builder services(Service... s) {
            services.addAll(List.of(s));
            return this;
        }

        /** An extra environment variable for every service (and billbridge-ops). */
        public Builder env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** An extra environment variable for one service. */
        public Builder env(Service service, String key, String value) {
            serviceEnv.computeIfAbsent(service, s -> new LinkedHashMap<>()).put(key, value);
            return this;
        }

        /** The Chargebee simulator's requests per minute (default 0: unlimited, many tests share a minute). */
        public Builder chargebeeRateLimit(int perMinute) {
            this.chargebeeRateLimit = perMinute;
            return this;
        }

        public Stack start() {
            Stack s = new Stack(this);
            try {
                s.boot(services, chargebeeRateLimit);
                return s;
            } catch (RuntimeException | Error e) {
                s.close();
                throw e;
            }
        }
    }

    private void boot(Set<Service> services, int rateLimit) {
        try {
            Files.createDirectories(logDir);
            for (Service s : Service.values()) {
                ports.put(s, freePort());
            }
            String ingress = "http://127.0.0.1:" + ports.get(Service.WEBHOOK_INGRESS);
            chargebeeGate = new WebhookGate(ingress);
            scalekitGate = new WebhookGate(ingress);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chargebee = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(rateLimit)
                .webhook(chargebeeGate.url("/webhooks/chargebee"), CHARGEBEE_WEBHOOK_USERNAME, CHARGEBEE_WEBHOOK_PASSWORD));
        scalekit = ScalekitSimulator.start(ScalekitSimulator.Options.defaults().webhookSecret(scalekitSecret)
                .webhookUrl(scalekitGate.url("/webhooks/scalekit")));
        hook = new Thread(this::close, "stack-" + name + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        for (Service s : services) {
            launch(s);
        }
        for (Service s : services) {
            awaitReady(s);
        }
    }

    /** The environment every service gets: exactly the documented configuration names. */
    public Map<String, String> environment() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("KAFKA_BOOTSTRAP_SERVERS", infra.bootstrapServers());
        e.put("DATABASE_JDBC_URL", infra.jdbcUrl());
        e.put("DATABASE_USERNAME", infra.username());
        e.put("DATABASE_PASSWORD", infra.password());
        e.put("CHARGEBEE_SITE", chargebee.site());
        e.put("CHARGEBEE_API_KEY", chargebee.apiKey());
        e.put("CHARGEBEE_API_BASE_URL", chargebee.apiBaseUrl());
        e.put("CHARGEBEE_PLAN_ITEM_PRICE_ID", PLAN_ITEM_PRICE_ID);
        e.put("CHARGEBEE_WEBHOOK_USERNAME", CHARGEBEE_WEBHOOK_USERNAME);
        e.put("CHARGEBEE_WEBHOOK_PASSWORD", CHARGEBEE_WEBHOOK_PASSWORD);
        e.put("SCALEKIT_ENV_URL", scalekit.envUrl());
        e.put("SCALEKIT_CLIENT_ID", scalekit.clientId());
        e.put("SCALEKIT_AUDIENCE", scalekit.clientId());
        e.put("SCALEKIT_WEBHOOK_SECRET", scalekitSecret);
        e.put("APP_URL", url(Service.BILLING_API));
        for (Service s : Service.values()) {
            e.put(s.portEnv, String.valueOf(ports.get(s)));
        }
        e.putAll(extraEnv);
        return e;
    }

    /** Starts a service process (if not running) and waits until /q/health/ready answers 200. */
    public synchronized void start(Service s) {
        if (!running(s)) {
            launch(s);
        }
        awaitReady(s);
    }

    /** SIGTERM, then waits for a graceful stop (consumers leave their group); SIGKILL after 30 s. */
    public synchronized void stop(Service s) {
        Process p = processes.remove(s);
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /** kill -9: no graceful shutdown (its consumer stays a ghost member until the session times out). */
    public synchronized void kill(Service s) {
        Process p = processes.remove(s);
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public synchronized boolean running(Service s) {
        Process p = processes.get(s);
        return p != null && p.isAlive();
    }

    public int port(Service s) {
        return ports.get(s);
    }

    public String url(Service s) {
        return "http://127.0.0.1:" + ports.get(s);
    }

    /** The log file of the service's current (or last) start. */
    public Path log(Service s) {
        return logDir.resolve(s.module + "-" + starts.getOrDefault(s, 1) + ".log");
    }

    public ChargebeeSimulator chargebee() {
        return chargebee;
    }

    public ScalekitSimulator scalekit() {
        return scalekit;
    }

    /** An SDK environment for the Chargebee simulator, built the way the services build theirs. */
    public Environment chargebeeEnv() {
        return dev.billbridge.core.chargebee.ChargebeeGateway.environment(chargebee.site(), chargebee.apiKey(),
                chargebee.apiBaseUrl());
    }

    public WebhookGate chargebeeGate() {
        return chargebeeGate;
    }

    public WebhookGate scalekitGate() {
        return scalekitGate;
    }

    public LocalInfra infra() {
        return infra;
    }

    public Connection jdbc() throws SQLException {
        return DriverManager.getConnection(infra.jdbcUrl(), infra.username(), infra.password());
    }

    /** The first column of the first row as a long (e.g. a count); 0 when there is no row. */
    public long queryLong(String sql, Object... params) {
        try (Connection c = jdbc(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Every row as one tab-separated string, in the query's order: for comparing database dumps. */
    public List<String> queryRows(String sql, Object... params) {
        try (Connection c = jdbc(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<String> rows = new ArrayList<>();
            try (var rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        sb.append(i > 1 ? "\t" : "").append(rs.getString(i));
                    }
                    rows.add(sb.toString());
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public int update(String sql, Object... params) {
        try (Connection c = jdbc(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** An HTTP request to a service; {@code bearer} and {@code jsonBody} may be null. */
    public HttpResponse<String> http(Service s, String method, String path, String bearer, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(s) + path)).timeout(Duration.ofSeconds(30))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code condition} every 200 ms until it holds; fails with {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /**
     * Runs the packaged {@code billbridge-ops} jar as a process with the services' environment and waits for it
     * (at most 5 minutes). Its output is also appended to {@code ops.log}.
     */
    public OpsRun ops(String... args) {
        Path jar = root().resolve("billing-ops/target/billing-ops.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build from the repository root (./mvnw -B verify)");
        }
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(logDir, "ops-", ".out");
            Path err = Files.createTempFile(logDir, "ops-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(environment());
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("billbridge-ops " + String.join(" ", args) + " did not finish in 5 minutes");
            }
            OpsRun run = new OpsRun(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.writeString(logDir.resolve("ops.log"), "$ billbridge-ops " + String.join(" ", args) + "\n" + run + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every record of a topic from its beginning to its current end (all partitions, no group). */
    public List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records(String topic) {
        var all = new ArrayList<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>>();
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", infra.bootstrapServers());
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(p,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var tps = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            var end = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end");
                }
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    /**
     * Waits until consumer group {@code group} has committed, on every partition of {@code topic}, at least the
     * end offsets the topic has now: everything published so far was processed (applied or dead-lettered).
     */
    public void awaitCaughtUp(String group, String topic, Duration timeout) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", infra.bootstrapServers()))) {
            var tps = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> q = new LinkedHashMap<>();
            tps.forEach(tp -> q.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
            var end = admin.listOffsets(q).all().get();
            await(group + " caught up with " + topic, timeout, () -> {
                try {
                    var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                    return tps.stream().allMatch(tp -> end.get(tp).offset() == 0
                            || committed.get(tp) != null && committed.get(tp).offset() >= end.get(tp).offset());
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        // consumers first (they leave their groups while the broker is up), the ingress last
        List<Service> order = new ArrayList<>(List.of(Service.BILLING_API, Service.SYNC_WORKER,
                Service.PROVISIONING_WORKER, Service.WEBHOOK_INGRESS));
        for (Service s : order) {
            stop(s);
        }
        if (chargebee != null) {
            chargebee.close();
            chargebee = null;
        }
        if (scalekit != null) {
            scalekit.close();
            scalekit = null;
        }
        if (chargebeeGate != null) {
            chargebeeGate.close();
        }
        if (scalekitGate != null) {
            scalekitGate.close();
        }
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
            hook = null;
        }
    }

    // ------------------------------------------------------------------ internals

    private void launch(Service s) {
        Path jar = root().resolve(s.module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: the service must be packaged first "
                    + "(./mvnw -B verify from the repository root packages it before system-tests run)");
        }
        int n = starts.merge(s, 1, Integer::sum);
        Path log = logDir.resolve(s.module + "-" + n + ".log");
        List<String> cmd = List.of(java(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment());
        pb.environment().putAll(serviceEnv.getOrDefault(s, Map.of()));
        try {
            processes.put(s, pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Service s) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url(s) + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        while (true) {
            Process p = processes.get(s);
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException(s.module + " exited during start; log " + log(s) + ":\n" + tail(log(s)));
            }
            try {
                if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(s.module + " not ready after " + READY_TIMEOUT.toSeconds() + " s; log "
                        + log(s) + ":\n" + tail(log(s)));
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** The repository root: surefire passes it; from an IDE we walk up from the working directory. */
    public static Path root() {
        String fromBuild = System.getProperty("billbridge.root");
        if (fromBuild != null && Files.isDirectory(Path.of(fromBuild, "billing-ops"))) {
            return Path.of(fromBuild);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("billbridge-infra")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
    }
}
