package dev.billbridge.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A forwarding HTTP hop between a simulator's webhook sender and the ingress. Normally transparent
 * (status and body of the ingress go back to the sender); {@link #drop(boolean) drop(true)} makes it
 * answer 200 without forwarding, which is exactly "a webhook that was never delivered": the sender
 * believes it was, so it never retries.
 */
public final class WebhookGate implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "transfer-encoding",
            "expect", "upgrade", "keep-alive");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String target;
    private final AtomicBoolean dropping = new AtomicBoolean();
    private final AtomicInteger forwarded = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();

    /** @param target base URL the path is appended to, e.g. {@code http://127.0.0.1:8080} */
    WebhookGate(String target) throws IOException {
        this.target = target;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "webhook-gate");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The URL to give the simulator for {@code path}, e.g. {@code url("/webhooks/chargebee")}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** true: swallow webhooks (answer 200, forward nothing) until set back to false. */
    public void drop(boolean drop) {
        dropping.set(drop);
    }

    public int forwarded() {
        return forwarded.get();
    }

    public int dropped() {
        return dropped.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex; InputStream in = ex.getRequestBody()) {
            byte[] body = in.readAllBytes();
            if (dropping.get()) {
                dropped.incrementAndGet();
                ex.sendResponseHeaders(200, -1);
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
                    .timeout(Duration.ofSeconds(30))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase())) {
                    h.getValue().forEach(v -> b.header(h.getKey(), v));
                }
            }
            try {
                HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                forwarded.incrementAndGet();
                r.headers().map().forEach((k, v) -> {
                    if (!HOP_BY_HOP.contains(k.toLowerCase()) && !k.startsWith(":")) {
                        v.forEach(x -> ex.getResponseHeaders().add(k, x));
                    }
                });
                ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                if (r.body().length > 0) {
                    ex.getResponseBody().write(r.body());
                }
            } catch (IOException | InterruptedException e) {
                // the ingress is down: the sender sees a failure and retries, as it would without the gate
                ex.sendResponseHeaders(502, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
