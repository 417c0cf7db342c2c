package dev.billbridge.sandbox.chargebee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.billbridge.sandbox.support.DeliveryAttempt;
import dev.billbridge.sandbox.support.Http;
import dev.billbridge.sandbox.support.Json;
import dev.billbridge.sandbox.support.WebhookDispatcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process Chargebee API simulator speaking the real wire format (see
 * shared/reference/chargebee.md), for tests and for running with no Chargebee account.
 * Development and test tool only: production never starts it.
 *
 * <pre>{@code
 * try (ChargebeeSimulator sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults())) {
 *     Environment env = new Environment(sim.site(), sim.apiKey()) {
 *         @Override public String apiBaseUrl() { return sim.apiBaseUrl(); }
 *     };
 *     Customer.create().id("org_1").request(env);
 * }
 * }</pre>
 */
public final class ChargebeeSimulator implements AutoCloseable {

    /** Chargebee's documented webhook retry schedule: +2 min, +6 min, +30 min, +1 h, +5 h, +1 d, +2 d. */
    public static final List<Duration> CHARGEBEE_RETRY_SCHEDULE = List.of(Duration.ofMinutes(2),
            Duration.ofMinutes(6), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(5),
            Duration.ofDays(1), Duration.ofDays(2));

    /** Default compression: 2 min becomes 0.2 s, 2 d becomes 288 s. */
    public static final double DEFAULT_RETRY_SCALE = 1.0 / 600;

    private static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

    /** Where events are POSTed; username null means no Basic auth. */
    public record WebhookTarget(String url, String username, String password) {
        public WebhookTarget {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("webhook url is required");
            }
        }

        @Override
        public String toString() {
            return "WebhookTarget[url=" + url + ", username=" + username + "]"; // never print the password
        }
    }

    /** Start-up options; every setter returns this. */
    public static final class Options {
        int port;
        String bind = "127.0.0.1";
        String site = "billbridge-test";
        String apiKey = "test_sim_key";
        int rateLimitPerMinute = 150;
        final List<WebhookTarget> webhooks = new ArrayList<>();
        Duration appClock = Duration.ZERO;
        double webhookRetryScale = DEFAULT_RETRY_SCALE;
        String publicBaseUrl;

        public static Options defaults() {
            return new Options();
        }

        /** 0 picks a free port. */
        public Options port(int port) {
            this.port = port;
            return this;
        }

        /** Address to bind: 127.0.0.1 by default, 0.0.0.0 inside a container. */
        public Options bind(String bind) {
            this.bind = bind;
            return this;
        }

        public Options site(String site) {
            this.site = site;
            return this;
        }

        public Options apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** Requests per sliding minute before answering 429, like a test site (150). 0 or less disables it. */
        public Options rateLimitPerMinute(int perMinute) {
            this.rateLimitPerMinute = perMinute;
            return this;
        }

        public Options webhook(String url, String username, String password) {
            this.webhooks.add(new WebhookTarget(url, username, password));
            return this;
        }

        /** Starts the simulator's clock this far from the wall clock. */
        public Options appClock(Duration offset) {
            this.appClock = offset;
            return this;
        }

        /** Factor applied to {@link #CHARGEBEE_RETRY_SCHEDULE}; 1.0 is the real schedule. */
        public Options webhookRetryScale(double scale) {
            this.webhookRetryScale = scale;
            return this;
        }

        /** Base URL put into hosted page and portal links when it differs from the bound address (containers). */
        public Options publicBaseUrl(String url) {
            this.publicBaseUrl = url;
            return this;
        }
    }

    private record Target(WebhookTarget target, WebhookDispatcher dispatcher) {
    }

    private record CachedResponse(int status, String body, Instant at) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;
    private final String publicBaseUrl;
    private final String site;
    private final String apiKey;
    private final double retryScale;
    private final SiteState state;
    private final AtomicLong clockOffsetMillis;
    private final List<Target> targets = new CopyOnWriteArrayList<>();
    private final Deque<Integer> injectedFaults = new ArrayDeque<>();
    private final Deque<Long> rateWindow = new ArrayDeque<>();
    private volatile int rateLimitPerMinute;
    private volatile long delayMillis;
    private final List<RequestLogEntry> requestLog = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger count429 = new AtomicInteger();
    private final Map<String, CachedResponse> idempotency = new ConcurrentHashMap<>();
    private final Map<String, Object> idempotencyLocks = new ConcurrentHashMap<>();

    private ChargebeeSimulator(Options o) throws IOException {
        this.site = o.site;
        this.apiKey = o.apiKey;
        this.rateLimitPerMinute = o.rateLimitPerMinute;
        this.retryScale = o.webhookRetryScale;
        this.clockOffsetMillis = new AtomicLong(o.appClock.toMillis());
        this.server = HttpServer.create(new InetSocketAddress(o.bind, o.port), 64);
        String host = o.bind.equals("0.0.0.0") ? "127.0.0.1" : o.bind;
        this.baseUrl = "http://" + host + ":" + server.getAddress().getPort();
        this.publicBaseUrl = o.publicBaseUrl != null ? stripSlash(o.publicBaseUrl) : baseUrl;
        this.state = new SiteState(() -> System.currentTimeMillis() + clockOffsetMillis.get(), this::dispatch,
                publicBaseUrl);
        o.webhooks.forEach(w -> addWebhook(w.url(), w.username(), w.password()));
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "chargebee-sim-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a simulator; with port 0 it picks a free port. */
    public static ChargebeeSimulator start(Options o) {
        try {
            return new ChargebeeSimulator(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Chargebee simulator", e);
        }
    }

    public static ChargebeeSimulator start() {
        return start(Options.defaults());
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    // ------------------------------------------------------------------ public API

    /** For example {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** What the services set as CHARGEBEE_API_BASE_URL: {@code baseUrl() + "/api/v2"}. */
    public String apiBaseUrl() {
        return baseUrl + "/api/v2";
    }

    public String site() {
        return site;
    }

    public String apiKey() {
        return apiKey;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The simulator's "now": wall clock plus every advance so far. */
    public Instant now() {
        return Instant.ofEpochMilli(System.currentTimeMillis() + clockOffsetMillis.get());
    }

    /** Adds a webhook endpoint; events emitted from now on are POSTed to it. A null username sends no auth. */
    public void addWebhook(String url, String user, String pass) {
        WebhookTarget t = new WebhookTarget(url, user, pass);
        targets.add(new Target(t, new WebhookDispatcher("chargebee-sim-webhooks-" + targets.size(),
                WebhookDispatcher.scaled(CHARGEBEE_RETRY_SCHEDULE, retryScale))));
    }

    public List<WebhookTarget> webhooks() {
        return targets.stream().map(Target::target).toList();
    }

    /**
     * Makes the next {@code n} API requests fail with {@code httpStatus}: 429 answers
     * {@code api_request_limit_exceeded} with {@code Retry-After: 1}; 5xx an internal error body.
     */
    public void failNext(int n, int httpStatus) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("status must be 4xx or 5xx");
        }
        synchronized (injectedFaults) {
            for (int i = 0; i < n; i++) {
                injectedFaults.add(httpStatus);
            }
        }
    }

    public void clearFaults() {
        synchronized (injectedFaults) {
            injectedFaults.clear();
        }
        delayMillis = 0;
    }

    /** Requests per sliding minute; 0 or less disables the limit. */
    public void setRateLimitPerMinute(int perMinute) {
        this.rateLimitPerMinute = perMinute;
        synchronized (rateWindow) {
            rateWindow.clear();
        }
    }

    public int rateLimitPerMinute() {
        return rateLimitPerMinute;
    }

    /** Delays every API response by this much (0 to stop), to exercise client timeouts. */
    public void setDelayMillis(long millis) {
        this.delayMillis = Math.max(0, millis);
    }

    /**
     * Moves the simulator's clock forward and applies everything that became due, in time order:
     * trial ends ({@code subscription_activated} + payment), renewals ({@code subscription_renewed}
     * + payment), end-of-term cancellations, scheduled pauses and resumes, dunning retries.
     */
    public void advanceClock(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("the clock only moves forward");
        }
        clockOffsetMillis.addAndGet(d.toMillis());
        state.processDue();
    }

    /** The customer's next recurring charge fails ({@code payment_failed}, dunning); later ones succeed. */
    public void failNextPayment(String customerId) {
        state.failNextPayment(customerId, 1);
    }

    public void failNextPayments(String customerId, int count) {
        state.failNextPayment(customerId, count);
    }

    /** Same as a payer pressing Pay on the hosted page; returns the redirect URL (null without redirect_url). */
    public String completeCheckout(String hostedPageId) {
        try {
            return state.completeCheckout(hostedPageId);
        } catch (ApiError e) {
            throw new IllegalStateException(e.code + ": " + e.getMessage(), e);
        }
    }

    public List<RequestLogEntry> requestLog() {
        synchronized (requestLog) {
            return new ArrayList<>(requestLog);
        }
    }

    public void clearRequestLog() {
        requestLog.clear();
    }

    /** Every event emitted so far, oldest first, as the JSON a webhook receives. */
    public List<String> events() {
        return state.events().stream().map(Json::write).toList();
    }

    public List<ObjectNode> eventNodes() {
        return state.events();
    }

    /** POSTs these already-emitted events again, in the given order (repeat ids for duplicates). */
    public void redeliver(List<String> eventIds) {
        for (String id : eventIds) {
            ObjectNode ev;
            try {
                ev = state.event(id);
            } catch (ApiError e) {
                throw new IllegalArgumentException("unknown event " + id);
            }
            dispatch(ev);
        }
    }

    /**
     * Re-delivers the last {@code lastN} events, each twice, in a shuffled order: on top of the
     * original deliveries a receiver sees duplicates and out-of-order events, as Chargebee warns.
     *
     * @return the event ids in the order they were re-sent
     */
    public List<String> deliverShuffledDuplicates(int lastN, long seed) {
        List<ObjectNode> all = state.events();
        List<String> ids = new ArrayList<>();
        for (ObjectNode e : all.subList(Math.max(0, all.size() - lastN), all.size())) {
            ids.add(e.get("id").asText());
            ids.add(e.get("id").asText());
        }
        Collections.shuffle(ids, new Random(seed));
        redeliver(ids);
        return ids;
    }

    /** Every webhook POST attempt so far, across targets. */
    public List<DeliveryAttempt> deliveryAttempts() {
        List<DeliveryAttempt> out = new ArrayList<>();
        targets.forEach(t -> out.addAll(t.dispatcher().attempts()));
        out.sort((a, b) -> a.at().compareTo(b.at()));
        return out;
    }

    /** Waits until no webhook is queued or waiting for a retry. */
    public boolean awaitWebhooksIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Target t : targets) {
            long left = deadline - System.nanoTime();
            if (!t.dispatcher().awaitIdle(Duration.ofNanos(Math.max(0, left)))) {
                return false;
            }
        }
        return true;
    }

    /** How many API requests were answered 429 (injected or rate limited). */
    public int count429() {
        return count429.get();
    }

    /** Customers, subscriptions and hosted pages as JSON, for debugging. */
    public ObjectNode snapshot() {
        return state.snapshot();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        targets.forEach(t -> t.dispatcher().close());
    }

    // ------------------------------------------------------------------ webhooks

    private void dispatch(ObjectNode event) {
        String body = Json.write(event);
        String id = event.get("id").asText();
        for (Target t : targets) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("User-Agent", "ChargeBee");
            if (t.target().username() != null) {
                String cred = t.target().username() + ":" + (t.target().password() == null ? "" : t.target().password());
                headers.put("Authorization",
                        "Basic " + Base64.getEncoder().encodeToString(cred.getBytes(StandardCharsets.UTF_8)));
            }
            t.dispatcher().submit(id, t.target().url(), attempt -> headers, body);
        }
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            if (path.startsWith("/api/v2/")) {
                api(ex, path.substring("/api/v2/".length()));
            } else if (path.startsWith("/pages/")) {
                Pages.hostedPage(ex, state, path.substring("/pages/".length()));
            } else if (path.startsWith("/portal/")) {
                Pages.portal(ex, state, path.substring("/portal/".length()));
            } else if (path.equals("/_sim") || path.startsWith("/_sim/")) {
                control(ex, path);
            } else if (path.equals("/")) {
                Http.send(ex, 200, "text/plain;charset=utf-8", "Chargebee simulator for site " + site
                        + "\nAPI: " + apiBaseUrl() + "\nControl: " + baseUrl + "/_sim/health\n");
            } else {
                sendError(ex, new ApiError(404, "invalid_request", "resource_not_found", null,
                        "Sorry, we couldn't find that resource"));
            }
        } catch (RuntimeException e) {
            // a simulator bug, not a simulated fault: say so on stderr so it is not mistaken for one
            System.err.println("chargebee simulator: internal error on " + ex.getRequestMethod() + " "
                    + ex.getRequestURI().getPath() + ": " + e);
            Http.sendJson(ex, 500, ApiError.serverError(500).body());
        } finally {
            ex.close();
        }
    }

    private void api(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        Map<String, String> params = new LinkedHashMap<>(Http.parseForm(ex.getRequestURI().getRawQuery()));
        if (method.equals("POST")) {
            params.putAll(Http.parseForm(Http.readBody(ex)));
        }
        String fullPath = "/api/v2/" + path;
        String idemKey = ex.getRequestHeaders().getFirst("chargebee-idempotency-key");
        long delay = delayMillis;
        if (delay > 0) {
            sleep(delay);
        }
        Integer fault;
        synchronized (injectedFaults) {
            fault = injectedFaults.poll();
        }
        if (fault != null) {
            ApiError err = fault == 429 ? ApiError.rateLimited() : fault >= 500 ? ApiError.serverError(fault)
                    : new ApiError(fault, "invalid_request", "invalid_request", null, "Simulated error " + fault);
            if (fault == 429) {
                count429.incrementAndGet();
                ex.getResponseHeaders().set("Retry-After", "1");
            }
            log(method, fullPath, params, fault, "injected_fault", idemKey);
            sendError(ex, err);
            return;
        }
        Long retryAfter = takeRateSlot();
        if (retryAfter != null) {
            count429.incrementAndGet();
            ex.getResponseHeaders().set("Retry-After", String.valueOf(retryAfter));
            log(method, fullPath, params, 429, "rate_limited", idemKey);
            sendError(ex, ApiError.rateLimited());
            return;
        }
        if (!authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
            log(method, fullPath, params, 401, "unauthorized", idemKey);
            sendError(ex, ApiError.authFailed());
            return;
        }
        if (idemKey != null && method.equals("POST")) {
            String cacheKey = idemKey + " " + method + " " + fullPath;
            synchronized (idempotencyLocks.computeIfAbsent(cacheKey, k -> new Object())) {
                CachedResponse cached = idempotency.get(cacheKey);
                if (cached != null && cached.at().plus(IDEMPOTENCY_WINDOW).isAfter(Instant.now())) {
                    log(method, fullPath, params, cached.status(), "replayed", idemKey);
                    ex.getResponseHeaders().set("chargebee-idempotency-replayed", "true");
                    Http.send(ex, cached.status(), "application/json;charset=utf-8", cached.body());
                    return;
                }
                Response r = route(method, path, params);
                idempotency.put(cacheKey, new CachedResponse(r.status, Json.write(r.body), Instant.now()));
                log(method, fullPath, params, r.status, r.status < 300 ? "ok" : "error", idemKey);
                Http.sendJson(ex, r.status, r.body);
            }
            return;
        }
        Response r = route(method, path, params);
        log(method, fullPath, params, r.status, r.status < 300 ? "ok" : "error", idemKey);
        Http.sendJson(ex, r.status, r.body);
    }

    private record Response(int status, JsonNode body) {
    }

    private Response route(String method, String path, Map<String, String> p) {
        try {
            return new Response(200, routeOrThrow(method, path.split("/"), p));
        } catch (ApiError e) {
            return new Response(e.status, e.body());
        }
    }

    private ObjectNode routeOrThrow(String method, String[] seg, Map<String, String> p) {
        boolean get = method.equals("GET");
        boolean post = method.equals("POST");
        int n = seg.length;
        String root = seg[0];
        switch (root) {
            case "customers" -> {
                if (n == 1 && post) {
                    return state.createCustomer(p);
                }
                if (n == 1 && get) {
                    return state.listCustomers(p);
                }
                if (n == 2 && get) {
                    return state.retrieveCustomer(seg[1]);
                }
                if (n == 2 && post) {
                    return state.updateCustomer(seg[1], p);
                }
                if (n == 3 && post && seg[2].equals("delete")) {
                    return state.deleteCustomer(seg[1]);
                }
                if (n == 3 && get && seg[2].equals("subscriptions")) {
                    return state.listSubscriptions(p, seg[1]);
                }
            }
            case "hosted_pages" -> {
                if (n == 2 && post && seg[1].equals("checkout_new_for_items")) {
                    return state.checkoutNewForItems(p);
                }
                if (n == 2 && post && seg[1].equals("checkout_existing_for_items")) {
                    return state.checkoutExistingForItems(p);
                }
                if (n == 2 && get) {
                    return state.retrieveHostedPage(seg[1]);
                }
                if (n == 3 && post && seg[2].equals("acknowledge")) {
                    return state.acknowledgeHostedPage(seg[1]);
                }
            }
            case "portal_sessions" -> {
                if (n == 1 && post) {
                    return state.createPortalSession(p);
                }
                if (n == 2 && get) {
                    return state.retrievePortalSession(seg[1]);
                }
                if (n == 3 && post && seg[2].equals("logout")) {
                    return state.logoutPortalSession(seg[1]);
                }
            }
            case "subscriptions" -> {
                if (n == 1 && get) {
                    return state.listSubscriptions(p, null);
                }
                if (n == 2 && get) {
                    return state.retrieveSubscription(seg[1]);
                }
                if (n == 3 && post) {
                    switch (seg[2]) {
                        case "cancel_for_items" -> {
                            return state.cancelForItems(seg[1], p);
                        }
                        case "update_for_items" -> {
                            return state.updateForItems(seg[1], p);
                        }
                        case "remove_scheduled_cancellation" -> {
                            return state.removeScheduledCancellation(seg[1]);
                        }
                        case "pause" -> {
                            return state.pause(seg[1], p);
                        }
                        case "resume" -> {
                            return state.resume(seg[1], p);
                        }
                        default -> {
                        }
                    }
                }
            }
            case "events" -> {
                if (n == 1 && get) {
                    return state.listEvents(p);
                }
                if (n == 2 && get) {
                    return SiteState.wrap("event", state.event(seg[1]));
                }
            }
            case "item_prices" -> {
                if (n == 1 && get) {
                    return state.listItemPrices(p);
                }
                if (n == 2 && get) {
                    return state.retrieveItemPrice(seg[1]);
                }
            }
            default -> {
            }
        }
        throw new ApiError(404, "invalid_request", "resource_not_found", null,
                "Sorry, we couldn't find that resource (the simulator does not implement " + method + " /api/v2/"
                        + String.join("/", seg) + ")");
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            return java.security.MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                    apiKey.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Returns null when the request may proceed, else the seconds until a slot frees up. */
    private Long takeRateSlot() {
        int limit = rateLimitPerMinute;
        if (limit <= 0) {
            return null;
        }
        long now = System.nanoTime();
        long minute = Duration.ofMinutes(1).toNanos();
        synchronized (rateWindow) {
            while (!rateWindow.isEmpty() && now - rateWindow.peekFirst() >= minute) {
                rateWindow.pollFirst();
            }
            if (rateWindow.size() >= limit) {
                long waitNanos = minute - (now - rateWindow.peekFirst());
                return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            }
            rateWindow.addLast(now);
            return null;
        }
    }

    private void log(String method, String path, Map<String, String> params, int status, String outcome,
                     String idemKey) {
        requestLog.add(new RequestLogEntry(Instant.now(), method, path, Map.copyOf(params), status, outcome,
                idemKey));
    }

    private static void sendError(HttpExchange ex, ApiError e) throws IOException {
        Http.sendJson(ex, e.status, e.body());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ control endpoints

    private void control(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        try {
            JsonNode body = method.equals("GET") || method.equals("DELETE") ? Json.object() : Http.jsonBody(ex);
            Map<String, String> q = Http.parseForm(ex.getRequestURI().getRawQuery());
            ObjectNode out = Json.object();
            switch (method + " " + path) {
                case "GET /_sim", "GET /_sim/health" -> {
                    out.put("status", "ok").put("site", site).put("api_base_url", apiBaseUrl())
                            .put("now", now().getEpochSecond()).put("rate_limit_per_minute", rateLimitPerMinute)
                            .put("count_429", count429.get());
                }
                case "GET /_sim/state" -> out = snapshot();
                case "GET /_sim/clock" -> out.put("now", now().getEpochSecond())
                        .put("offset_seconds", clockOffsetMillis.get() / 1000);
                case "POST /_sim/clock/advance" -> {
                    Duration d = durationOf(body, q);
                    int before = state.events().size();
                    advanceClock(d);
                    List<ObjectNode> evs = state.events();
                    ArrayNode emitted = out.put("now", now().getEpochSecond()).putArray("events");
                    evs.subList(before, evs.size()).forEach(e -> emitted.add(
                            Json.object().put("id", e.get("id").asText()).put("event_type",
                                    e.get("event_type").asText())));
                }
                case "POST /_sim/payments/fail-next" -> {
                    String customer = text(body, q, "customer_id");
                    if (customer == null) {
                        throw new IllegalArgumentException("customer_id is required");
                    }
                    int count = body.path("count").asInt(1);
                    failNextPayments(customer, count);
                    out.put("customer_id", customer).put("failing_charges", count);
                }
                case "POST /_sim/faults" -> {
                    if (body.has("delay_millis")) {
                        setDelayMillis(body.get("delay_millis").asLong());
                    }
                    if (body.has("status")) {
                        failNext(body.path("count").asInt(1), body.get("status").asInt());
                    }
                    synchronized (injectedFaults) {
                        out.put("pending_faults", injectedFaults.size());
                    }
                    out.put("delay_millis", delayMillis);
                }
                case "DELETE /_sim/faults" -> {
                    clearFaults();
                    out.put("pending_faults", 0).put("delay_millis", 0);
                }
                case "GET /_sim/rate-limit" -> out.put("per_minute", rateLimitPerMinute);
                case "POST /_sim/rate-limit" -> {
                    setRateLimitPerMinute(body.path("per_minute").asInt(150));
                    out.put("per_minute", rateLimitPerMinute);
                }
                case "GET /_sim/webhooks" -> {
                    ArrayNode ts = out.putArray("targets");
                    webhooks().forEach(t -> ts.add(Json.object().put("url", t.url()).put("username", t.username())));
                    ArrayNode as = out.putArray("attempts");
                    deliveryAttempts().forEach(a -> as.add(attemptJson(a)));
                }
                case "POST /_sim/webhooks" -> {
                    String url = text(body, q, "url");
                    if (url == null) {
                        throw new IllegalArgumentException("url is required");
                    }
                    addWebhook(url, text(body, q, "username"), text(body, q, "password"));
                    out.put("url", url).put("targets", targets.size());
                }
                case "POST /_sim/webhooks/redeliver" -> {
                    ArrayNode sent = out.putArray("redelivered");
                    if (body.has("event_ids")) {
                        List<String> ids = new ArrayList<>();
                        body.get("event_ids").forEach(i -> ids.add(i.asText()));
                        redeliver(ids);
                        ids.forEach(sent::add);
                    } else {
                        deliverShuffledDuplicates(body.path("last").asInt(5), body.path("seed")
                                .asLong(System.nanoTime())).forEach(sent::add);
                    }
                }
                case "GET /_sim/events" -> {
                    ArrayNode arr = Json.array();
                    state.events().forEach(arr::add);
                    Http.sendJson(ex, 200, arr);
                    return;
                }
                case "GET /_sim/requests" -> {
                    ArrayNode arr = Json.array();
                    for (RequestLogEntry e : requestLog()) {
                        ObjectNode n = arr.addObject();
                        n.put("time", e.time().toString()).put("method", e.method()).put("path", e.path())
                                .put("status", e.status()).put("outcome", e.outcome())
                                .put("idempotency_key", e.idempotencyKey());
                        ObjectNode ps = n.putObject("params");
                        new java.util.TreeMap<>(e.params()).forEach(ps::put);
                    }
                    Http.sendJson(ex, 200, arr);
                    return;
                }
                case "DELETE /_sim/requests" -> {
                    clearRequestLog();
                    out.put("cleared", true);
                }
                default -> {
                    String prefix = "/_sim/hosted_pages/";
                    if (method.equals("POST") && path.startsWith(prefix) && path.endsWith("/complete")) {
                        String id = path.substring(prefix.length(), path.length() - "/complete".length());
                        String redirect = state.completeCheckout(id);
                        out.put("redirect_url", redirect);
                        out.set("hosted_page", state.retrieveHostedPage(id).get("hosted_page"));
                    } else {
                        Http.sendJson(ex, 404, Json.object().put("error", "no control endpoint " + method + " "
                                + path));
                        return;
                    }
                }
            }
            Http.sendJson(ex, 200, out);
        } catch (ApiError e) {
            Http.sendJson(ex, e.status, e.body());
        } catch (IllegalArgumentException | IllegalStateException | java.time.DateTimeException e) {
            Http.sendJson(ex, 400, Json.object().put("error", e.getMessage()));
        }
    }

    static ObjectNode attemptJson(DeliveryAttempt a) {
        return Json.object().put("message_id", a.messageId()).put("url", a.url()).put("attempt", a.attempt())
                .put("status", a.statusCode()).put("error", a.error()).put("at", a.at().toString())
                .put("will_retry", a.willRetry());
    }

    private static String text(JsonNode body, Map<String, String> q, String key) {
        if (body.hasNonNull(key)) {
            return body.get(key).asText();
        }
        String v = q.get(key);
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code {"days":14}}, {@code {"hours":1}}, {@code {"seconds":60}} or {@code {"duration":"P14D"}}. */
    private static Duration durationOf(JsonNode body, Map<String, String> q) {
        Map<String, String> all = new HashMap<>(q);
        body.fields().forEachRemaining(e -> all.put(e.getKey(), e.getValue().asText()));
        Duration d = Duration.ZERO;
        if (all.containsKey("duration")) {
            d = d.plus(Duration.parse(all.get("duration")));
        }
        if (all.containsKey("days")) {
            d = d.plusSeconds((long) (Double.parseDouble(all.get("days")) * 86400));
        }
        if (all.containsKey("hours")) {
            d = d.plusSeconds((long) (Double.parseDouble(all.get("hours")) * 3600));
        }
        if (all.containsKey("seconds")) {
            d = d.plusSeconds(Long.parseLong(all.get("seconds")));
        }
        if (d.isZero()) {
            throw new IllegalArgumentException("give days, hours, seconds or an ISO-8601 duration");
        }
        return d;
    }
}
