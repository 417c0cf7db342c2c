package dev.billbridge.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.scalekit.ScalekitSimulator;
import dev.billbridge.sandbox.support.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Command line entry point of the sandbox jar.
 *
 * <pre>
 * java -jar billbridge-sandbox.jar chargebee [--port 8089] [--site s] [--api-key k] [--webhook-url u ...]
 * java -jar billbridge-sandbox.jar scalekit  [--port 8090] [--client-id c] [--webhook-url u] [--webhook-secret s]
 * java -jar billbridge-sandbox.jar token --env-url http://127.0.0.1:8090 --oid org_1 --sub usr_1 --roles admin
 * </pre>
 */
public final class SandboxMain {

    private SandboxMain() {
    }

    public static void main(String[] args) throws Exception {
        // jose4j logs through SLF4J; with no provider on the classpath SLF4J prints a warning on every start
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Parsed {@code --name value} / {@code --name=value} flags, falling back to environment variables. */
    static final class Flags {
        private final Map<String, String> values = new HashMap<>();
        private final Map<String, String> env;

        Flags(String[] args, int from, Map<String, String> env) {
            this.env = env;
            for (int i = from; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument: " + a);
                }
                int eq = a.indexOf('=');
                if (eq > 0) {
                    values.put(a.substring(2, eq), a.substring(eq + 1));
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    values.put(a.substring(2), args[++i]);
                } else {
                    values.put(a.substring(2), "true");
                }
            }
        }

        String get(String flag, String envVar, String dflt) {
            String v = values.get(flag);
            if (v == null && envVar != null) {
                v = env.get(envVar);
            }
            return v == null || v.isEmpty() ? dflt : v;
        }

        int getInt(String flag, String envVar, int dflt) {
            String v = get(flag, envVar, null);
            return v == null ? dflt : Integer.parseInt(v);
        }

        boolean has(String flag) {
            return values.containsKey(flag);
        }
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Flags f = new Flags(args, 1, env);
            switch (args[0]) {
                case "chargebee" -> {
                    ChargebeeSimulator.Options o = ChargebeeSimulator.Options.defaults()
                            .port(f.getInt("port", "CHARGEBEE_SIM_PORT", 0))
                            .bind(f.get("bind", "SANDBOX_BIND", "127.0.0.1"))
                            .site(f.get("site", "CHARGEBEE_SIM_SITE", "billbridge-test"))
                            .apiKey(f.get("api-key", "CHARGEBEE_SIM_API_KEY", "test_sim_key"))
                            .rateLimitPerMinute(f.getInt("rate-limit", "CHARGEBEE_SIM_RATE_LIMIT", 150));
                    String retryScale = f.get("retry-scale", "CHARGEBEE_SIM_RETRY_SCALE", null);
                    if (retryScale != null) {
                        o.webhookRetryScale(Double.parseDouble(retryScale));
                    }
                    String publicUrl = f.get("public-url", "CHARGEBEE_SIM_PUBLIC_URL", null);
                    if (publicUrl != null) {
                        o.publicBaseUrl(publicUrl);
                    }
                    String hook = f.get("webhook-url", "CHARGEBEE_SIM_WEBHOOK_URL", null);
                    if (hook != null) {
                        o.webhook(hook, f.get("webhook-username", "CHARGEBEE_SIM_WEBHOOK_USERNAME", null),
                                f.get("webhook-password", "CHARGEBEE_SIM_WEBHOOK_PASSWORD", null));
                    }
                    ChargebeeSimulator sim = ChargebeeSimulator.start(o);
                    serve("chargebee", sim.baseUrl(), sim::close, f, env, out);
                    return 0;
                }
                case "scalekit" -> {
                    ScalekitSimulator.Options o = ScalekitSimulator.Options.defaults()
                            .port(f.getInt("port", "SCALEKIT_SIM_PORT", 0))
                            .bind(f.get("bind", "SANDBOX_BIND", "127.0.0.1"))
                            .clientId(f.get("client-id", "SCALEKIT_SIM_CLIENT_ID", "skc_sandbox"))
                            .webhookUrl(f.get("webhook-url", "SCALEKIT_SIM_WEBHOOK_URL", null))
                            .webhookSecret(f.get("webhook-secret", "SCALEKIT_SIM_WEBHOOK_SECRET", null));
                    String retryScale = f.get("retry-scale", "SCALEKIT_SIM_RETRY_SCALE", null);
                    if (retryScale != null) {
                        o.webhookRetryScale(Double.parseDouble(retryScale));
                    }
                    ScalekitSimulator sim = ScalekitSimulator.start(o);
                    serve("scalekit", sim.envUrl(), sim::close, f, env, out);
                    return 0;
                }
                case "token" -> {
                    out.println(token(f));
                    return 0;
                }
                default -> {
                    err.println("unknown command: " + args[0]);
                    err.println(USAGE);
                    return 2;
                }
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("error: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Asks a running Scalekit simulator for a token over its dev endpoint. */
    static String token(Flags f) throws IOException, InterruptedException {
        String envUrl = f.get("env-url", "SCALEKIT_ENV_URL", null);
        if (envUrl == null) {
            throw new IllegalArgumentException("--env-url (or SCALEKIT_ENV_URL) is required");
        }
        ObjectNode req = Json.object();
        req.put("sub", f.get("sub", null, "usr_dev"));
        String oid = f.get("oid", null, null);
        if (oid != null) {
            req.put("oid", oid);
        }
        ArrayNode roles = req.putArray("roles");
        for (String r : f.get("roles", null, "").split(",")) {
            if (!r.isBlank()) {
                roles.add(r.trim());
            }
        }
        ArrayNode perms = req.putArray("permissions");
        for (String p : f.get("permissions", null, "").split(",")) {
            if (!p.isBlank()) {
                perms.add(p.trim());
            }
        }
        String ttl = f.get("ttl", null, null);
        if (ttl != null) {
            req.put("ttlSeconds", Long.parseLong(ttl));
        }
        String aud = f.get("aud", null, null);
        if (aud != null) {
            req.put("aud", aud);
        }
        String base = envUrl.endsWith("/") ? envUrl.substring(0, envUrl.length() - 1) : envUrl;
        HttpResponse<String> resp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                HttpRequest.newBuilder(URI.create(base + "/_sim/tokens")).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(Json.write(req))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IllegalStateException("the simulator at " + base + " answered " + resp.statusCode() + ": "
                    + resp.body());
        }
        JsonNode body = Json.parse(resp.body());
        return body.get("access_token").asText();
    }

    /**
     * Prints the ready line and blocks until SIGTERM, stdin closing, or the parent process dying,
     * so a launcher that crashes never leaves simulators behind on their ports.
     */
    private static void serve(String name, String url, Runnable close, Flags f, Map<String, String> env,
                              PrintStream out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            close.run();
        }, name + "-shutdown"));
        out.println(name + ": listening on " + url);
        out.flush();
        boolean detached = f.has("detached") || "true".equalsIgnoreCase(env.get("SANDBOX_DETACHED"));
        if (!detached) {
            watchParent(stop);
            if (stdinIsWatchable()) {
                watchStdin(stop);
            }
        }
        stop.await();
        close.run();
    }

    private static void watchParent(CountDownLatch stop) {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        long parentPid = parent.get().pid();
        daemon("parent-watch", () -> {
            while (stop.getCount() > 0) {
                Optional<ProcessHandle> now = ProcessHandle.current().parent();
                // when the parent dies we are re-parented (to init or a subreaper): the pid changes
                if (now.isEmpty() || now.get().pid() != parentPid || !now.get().isAlive()) {
                    stop.countDown();
                    return;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /**
     * A background shell job gets /dev/null as stdin, which reads as closed at once: only watch a
     * pipe or a terminal, or the simulator would exit the moment it starts.
     */
    private static boolean stdinIsWatchable() {
        try {
            Path fd0 = Path.of("/proc/self/fd/0");
            if (Files.exists(fd0, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                String target = Files.readSymbolicLink(fd0).toString();
                return !target.equals("/dev/null");
            }
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
        return false;
    }

    private static void watchStdin(CountDownLatch stop) {
        daemon("stdin-watch", () -> {
            try {
                InputStream in = System.in;
                byte[] buf = new byte[256];
                while (in.read(buf) >= 0) {
                    // input is ignored; only end-of-file matters
                }
            } catch (IOException ignored) {
                // treat a broken stdin like a closed one
            }
            stop.countDown();
        });
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    static final String USAGE = """
            billbridge sandbox: Chargebee and Scalekit simulators (development and tests only)

            usage:
              java -jar billbridge-sandbox.jar chargebee [options]
                  --port N               (CHARGEBEE_SIM_PORT, default 0 = free port)
                  --bind ADDR            (SANDBOX_BIND, default 127.0.0.1; 0.0.0.0 in containers)
                  --site NAME            (CHARGEBEE_SIM_SITE, default billbridge-test)
                  --api-key KEY          (CHARGEBEE_SIM_API_KEY, default test_sim_key)
                  --webhook-url URL      (CHARGEBEE_SIM_WEBHOOK_URL)
                  --webhook-username U   (CHARGEBEE_SIM_WEBHOOK_USERNAME)
                  --webhook-password P   (CHARGEBEE_SIM_WEBHOOK_PASSWORD)
                  --rate-limit N         (CHARGEBEE_SIM_RATE_LIMIT, requests/minute, default 150, 0 = off)
                  --retry-scale X        (CHARGEBEE_SIM_RETRY_SCALE, default 0.001667: 2 min -> 0.2 s)
                  --public-url URL       (CHARGEBEE_SIM_PUBLIC_URL, base URL for hosted page links)
              java -jar billbridge-sandbox.jar scalekit [options]
                  --port N               (SCALEKIT_SIM_PORT, default 0 = free port)
                  --bind ADDR            (SANDBOX_BIND)
                  --client-id ID         (SCALEKIT_SIM_CLIENT_ID, default skc_sandbox)
                  --webhook-url URL      (SCALEKIT_SIM_WEBHOOK_URL)
                  --webhook-secret S     (SCALEKIT_SIM_WEBHOOK_SECRET, whsec_<base64>; generated if absent)
                  --retry-scale X        (SCALEKIT_SIM_RETRY_SCALE, default 0.02)
              java -jar billbridge-sandbox.jar token --env-url URL [--oid org_..] [--sub usr_..]
                  [--roles a,b] [--permissions p,q] [--ttl SECONDS] [--aud AUDIENCE]

            Servers print "<name>: listening on <url>" when ready and stop on SIGTERM, when stdin
            closes (if it is a pipe or terminal) or when the parent process dies; --detached
            (SANDBOX_DETACHED=true) turns the last two off.
            """;
}
