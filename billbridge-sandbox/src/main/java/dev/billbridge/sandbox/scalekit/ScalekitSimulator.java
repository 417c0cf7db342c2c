package dev.billbridge.sandbox.scalekit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.billbridge.sandbox.support.DeliveryAttempt;
import dev.billbridge.sandbox.support.Http;
import dev.billbridge.sandbox.support.Json;
import dev.billbridge.sandbox.support.WebhookDispatcher;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Scalekit environment simulator (see shared/reference/scalekit.md): JWKS and OIDC discovery,
 * RS256 access tokens, key rotation, and organizations whose changes are POSTed as Standard
 * Webhooks v1 signed {@code organization.*} events. Development and test tool only.
 */
public final class ScalekitSimulator implements AutoCloseable {

    /** Scalekit documents a short schedule (minutes, about 6 attempts): 1 try plus these retries. */
    public static final List<Duration> SCALEKIT_RETRY_SCHEDULE = List.of(Duration.ofSeconds(5),
            Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10));

    /** Default compression: 5 s becomes 0.1 s, 10 min becomes 12 s. */
    public static final double DEFAULT_RETRY_SCALE = 1.0 / 50;

    private static final SecureRandom RANDOM = new SecureRandom();

    public static final class Options {
        int port;
        String bind = "127.0.0.1";
        String clientId = "skc_sandbox";
        String webhookSecret;
        String webhookUrl;
        double webhookRetryScale = DEFAULT_RETRY_SCALE;

        public static Options defaults() {
            return new Options();
        }

        /** 0 picks a free port. */
        public Options port(int port) {
            this.port = port;
            return this;
        }

        public Options bind(String bind) {
            this.bind = bind;
            return this;
        }

        public Options clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /** {@code whsec_<base64>}; a random one is generated when unset. */
        public Options webhookSecret(String secret) {
            this.webhookSecret = secret;
            return this;
        }

        public Options webhookUrl(String url) {
            this.webhookUrl = url;
            return this;
        }

        /** Factor applied to {@link #SCALEKIT_RETRY_SCHEDULE}; 1.0 is the real pace. */
        public Options webhookRetryScale(double scale) {
            this.webhookRetryScale = scale;
            return this;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String envUrl;
    private final String clientId;
    private final String environmentId;
    private final String webhookSecret;
    private final byte[] webhookKey;
    private volatile String webhookUrl;
    private final WebhookDispatcher dispatcher;
    private final List<RsaJsonWebKey> keys = new ArrayList<>(); // guarded by this; last is current
    private final Map<String, ObjectNode> organizations = new LinkedHashMap<>(); // guarded by this
    private final List<WebhookEvent> sent = new CopyOnWriteArrayList<>();

    private ScalekitSimulator(Options o) throws IOException {
        this.clientId = o.clientId;
        this.environmentId = "env_" + digits(17);
        this.webhookSecret = o.webhookSecret != null ? o.webhookSecret : generateSecret();
        if (!webhookSecret.startsWith("whsec_")) {
            throw new IllegalArgumentException("the webhook secret must look like whsec_<base64>");
        }
        this.webhookKey = Base64.getDecoder().decode(webhookSecret.substring("whsec_".length()));
        this.webhookUrl = o.webhookUrl;
        this.dispatcher = new WebhookDispatcher("scalekit-sim-webhooks",
                WebhookDispatcher.scaled(SCALEKIT_RETRY_SCHEDULE, o.webhookRetryScale));
        keys.add(newKey());
        this.server = HttpServer.create(new InetSocketAddress(o.bind, o.port), 64);
        String host = o.bind.equals("0.0.0.0") ? "127.0.0.1" : o.bind;
        this.envUrl = "http://" + host + ":" + server.getAddress().getPort();
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "scalekit-sim-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ScalekitSimulator start(Options o) {
        try {
            return new ScalekitSimulator(o);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Scalekit simulator", e);
        }
    }

    public static ScalekitSimulator start() {
        return start(Options.defaults());
    }

    /** A random {@code whsec_} secret with a 32-byte key. */
    public static String generateSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static String digits(int n) {
        StringBuilder sb = new StringBuilder();
        sb.append(1 + RANDOM.nextInt(9));
        for (int i = 1; i < n; i++) {
            sb.append(RANDOM.nextInt(10));
        }
        return sb.toString();
    }

    private static RsaJsonWebKey newKey() {
        RsaJsonWebKey k = KeyPool.take();
        k.setKeyId("snk_" + digits(17));
        k.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        k.setUse("sig");
        return k;
    }

    // ------------------------------------------------------------------ public API

    /** The environment URL and token issuer, without a trailing slash. */
    public String envUrl() {
        return envUrl;
    }

    public String jwksUrl() {
        return envUrl + "/keys";
    }

    public String clientId() {
        return clientId;
    }

    public String environmentId() {
        return environmentId;
    }

    public String webhookSecret() {
        return webhookSecret;
    }

    public String webhookUrl() {
        return webhookUrl;
    }

    /** Where organization events go from now on; null stops sending. */
    public void setWebhookUrl(String url) {
        this.webhookUrl = url;
    }

    public synchronized String currentKeyId() {
        return keys.get(keys.size() - 1).getKeyId();
    }

    /** The public keys served at /keys, current key last. */
    public synchronized String jwksJson() {
        List<JsonWebKey> pub = new ArrayList<>(keys);
        return new JsonWebKeySet(pub).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** Signs an RS256 access token with the current key. */
    public String mintToken(TokenRequest r) {
        RsaJsonWebKey key;
        synchronized (this) {
            key = keys.get(keys.size() - 1);
        }
        JwtClaims c = new JwtClaims();
        long now = Instant.now().getEpochSecond();
        c.setIssuer(envUrl);
        c.setAudience(r.audience() != null ? r.audience() : clientId);
        c.setSubject(r.sub());
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setNotBefore(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + r.ttl().getSeconds()));
        c.setJwtId("tkn_" + digits(17));
        c.setClaim("sid", "ses_" + digits(17));
        c.setClaim("client_id", clientId);
        if (r.oid() != null) {
            c.setClaim("oid", r.oid());
        }
        c.setStringListClaim("roles", r.roles());
        c.setStringListClaim("permissions", r.permissions());
        r.extraClaims().forEach(c::setClaim);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes a new key current. The previous key stays in the JWKS (tokens it signed still verify)
     * until the next rotation or {@link #retireOldKeys()}; older keys leave the JWKS now.
     *
     * @return the new key id
     */
    public synchronized String rotateKey() {
        RsaJsonWebKey previous = keys.get(keys.size() - 1);
        keys.clear();
        keys.add(previous);
        keys.add(newKey());
        return currentKeyId();
    }

    /** Drops every key but the current one from the JWKS. */
    public synchronized void retireOldKeys() {
        RsaJsonWebKey current = keys.get(keys.size() - 1);
        keys.clear();
        keys.add(current);
    }

    /** Creates an organization and sends {@code organization.created}. */
    public WebhookEvent createOrganization(String displayName) {
        return createOrganization(displayName, null);
    }

    public WebhookEvent createOrganization(String displayName, String externalId) {
        if (displayName == null || displayName.isBlank()) {
            throw new IllegalArgumentException("display_name is required");
        }
        ObjectNode org;
        synchronized (this) {
            String now = timestamp();
            String id;
            do {
                id = "org_" + digits(17);
            } while (organizations.containsKey(id));
            org = Json.object();
            org.put("id", id).put("display_name", displayName).put("external_id", externalId)
                    .put("region_code", "US").put("create_time", now).put("update_time", now);
            org.putObject("metadata");
            org.putObject("settings").putArray("features");
            organizations.put(id, org);
        }
        return send("organization.created", "Organization Created", org.deepCopy());
    }

    /** Renames an organization and sends {@code organization.updated}; NoSuchElementException if unknown. */
    public WebhookEvent updateOrganization(String id, String displayName) {
        ObjectNode org;
        synchronized (this) {
            org = organizations.get(id);
            if (org == null) {
                throw new java.util.NoSuchElementException("unknown organization " + id);
            }
            if (displayName != null && !displayName.isBlank()) {
                org.put("display_name", displayName);
            }
            org.put("update_time", timestamp());
            org = org.deepCopy();
        }
        return send("organization.updated", "Organization Updated", org);
    }

    /**
     * Deletes an organization and sends {@code organization.deleted} (with {@code data.deleted_at});
     * NoSuchElementException if unknown.
     */
    public WebhookEvent deleteOrganization(String id) {
        ObjectNode org;
        synchronized (this) {
            org = organizations.remove(id);
            if (org == null) {
                throw new java.util.NoSuchElementException("unknown organization " + id);
            }
            org.put("deleted_at", timestamp());
        }
        return send("organization.deleted", "Organization Deleted", org);
    }

    public synchronized List<ObjectNode> organizations() {
        return organizations.values().stream().map(ObjectNode::deepCopy).toList();
    }

    /** Every event sent so far (whatever its delivery outcome), oldest first. */
    public List<WebhookEvent> sentEvents() {
        return List.copyOf(sent);
    }

    public List<DeliveryAttempt> deliveryAttempts() {
        return dispatcher.attempts();
    }

    public boolean awaitWebhooksIdle(Duration timeout) {
        return dispatcher.awaitIdle(timeout);
    }

    /**
     * Standard Webhooks v1 signature header value for a message:
     * {@code v1,base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))}.
     */
    public String sign(String webhookId, long timestampSeconds, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(webhookKey, "HmacSHA256"));
            byte[] sig = mac.doFinal((webhookId + "." + timestampSeconds + "." + payload)
                    .getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        dispatcher.close();
    }

    // ------------------------------------------------------------------ internals

    private static String timestamp() {
        return Instant.now().toString();
    }

    private WebhookEvent send(String type, String eventDisplayName, ObjectNode org) {
        String id = "evt_" + digits(17);
        ObjectNode body = Json.object();
        body.put("spec_version", "1").put("id", id).put("type", type).put("object", "Organization")
                .put("occurred_at", timestamp()).put("environment_id", environmentId)
                .put("organization_id", org.get("id").asText()).put("display_name", eventDisplayName);
        body.set("data", org);
        String payload = Json.write(body);
        WebhookEvent ev = new WebhookEvent(id, type, org.get("id").asText(), payload, body);
        sent.add(ev);
        String url = webhookUrl;
        if (url != null) {
            // each attempt is signed with a fresh timestamp, so a late retry is not "too old" for the receiver
            dispatcher.submit(id, url, attempt -> {
                long ts = Instant.now().getEpochSecond();
                Map<String, String> h = new LinkedHashMap<>();
                h.put("Content-Type", "application/json");
                h.put("webhook-id", id);
                h.put("webhook-timestamp", String.valueOf(ts));
                h.put("webhook-signature", sign(id, ts, payload));
                return h;
            }, payload);
        }
        return ev;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        try {
            if (method.equals("GET") && path.equals("/keys")) {
                Http.send(ex, 200, "application/json", jwksJson());
                return;
            }
            if (method.equals("GET") && path.equals("/.well-known/openid-configuration")) {
                Http.sendJson(ex, 200, discovery());
                return;
            }
            if (path.equals("/") && method.equals("GET")) {
                Http.send(ex, 200, "text/plain;charset=utf-8", "Scalekit simulator\nissuer: " + envUrl
                        + "\njwks: " + jwksUrl() + "\n");
                return;
            }
            if (path.startsWith("/_sim")) {
                control(ex, method, path);
                return;
            }
            Http.sendJson(ex, 404, Json.object().put("error", "not_found").put("path", path));
        } catch (java.util.NoSuchElementException e) {
            Http.sendJson(ex, 404, Json.object().put("error", e.getMessage()));
        } catch (IllegalArgumentException e) {
            Http.sendJson(ex, 400, Json.object().put("error", e.getMessage()));
        } catch (RuntimeException e) {
            Http.sendJson(ex, 500, Json.object().put("error", e.getClass().getSimpleName()));
        } finally {
            ex.close();
        }
    }

    private ObjectNode discovery() {
        ObjectNode n = Json.object();
        n.put("issuer", envUrl).put("authorization_endpoint", envUrl + "/oauth/authorize")
                .put("token_endpoint", envUrl + "/oauth/token").put("userinfo_endpoint", envUrl + "/userinfo")
                .put("jwks_uri", jwksUrl()).put("end_session_endpoint", envUrl + "/oidc/logout");
        n.putArray("response_types_supported").add("code");
        n.putArray("subject_types_supported").add("public");
        n.putArray("id_token_signing_alg_values_supported").add("RS256");
        n.putArray("scopes_supported").add("openid").add("profile").add("email").add("offline_access");
        n.putArray("grant_types_supported").add("authorization_code").add("refresh_token")
                .add("client_credentials");
        n.putArray("token_endpoint_auth_methods_supported").add("client_secret_basic").add("client_secret_post");
        return n;
    }

    private void control(HttpExchange ex, String method, String path) throws IOException {
        JsonNode body = method.equals("GET") || method.equals("DELETE") ? Json.object() : Http.jsonBody(ex);
        String orgPrefix = "/_sim/organizations/";
        switch (method + " " + path) {
            case "GET /_sim", "GET /_sim/health" -> Http.sendJson(ex, 200, Json.object().put("status", "ok")
                    .put("issuer", envUrl).put("client_id", clientId).put("environment_id", environmentId)
                    .put("current_kid", currentKeyId()).put("webhook_url", webhookUrl));
            case "POST /_sim/tokens" -> {
                List<String> roles = strings(body.get("roles"));
                List<String> perms = strings(body.get("permissions"));
                Duration ttl = body.has("ttlSeconds") ? Duration.ofSeconds(body.get("ttlSeconds").asLong())
                        : body.has("ttl_seconds") ? Duration.ofSeconds(body.get("ttl_seconds").asLong()) : null;
                String sub = body.hasNonNull("sub") ? body.get("sub").asText() : "usr_" + digits(17);
                String oid = body.hasNonNull("oid") ? body.get("oid").asText() : null;
                String aud = body.hasNonNull("aud") ? body.get("aud").asText() : null;
                TokenRequest r = new TokenRequest(sub, oid, roles, perms, ttl, aud, null);
                Http.sendJson(ex, 200, Json.object().put("access_token", mintToken(r)).put("token_type", "Bearer")
                        .put("expires_in", r.ttl().getSeconds()));
            }
            // dev-only: lets a launcher that did not choose the secret configure the receiver with it
            case "GET /_sim/webhook-secret" -> Http.sendJson(ex, 200, Json.object().put("secret", webhookSecret));
            case "POST /_sim/rotate-key" -> {
                String kid = rotateKey();
                Http.sendJson(ex, 200, Json.object().put("kid", kid));
            }
            case "POST /_sim/retire-old-keys" -> {
                retireOldKeys();
                Http.sendJson(ex, 200, Json.object().put("kid", currentKeyId()));
            }
            case "GET /_sim/organizations" -> {
                ArrayNode arr = Json.array();
                organizations().forEach(arr::add);
                Http.sendJson(ex, 200, arr);
            }
            case "POST /_sim/organizations" -> {
                String name = body.path("display_name").asText(null);
                String external = body.hasNonNull("external_id") ? body.get("external_id").asText() : null;
                WebhookEvent ev = createOrganization(name, external);
                Http.sendJson(ex, 201, orgResponse(ev));
            }
            case "GET /_sim/webhooks" -> {
                ObjectNode out = Json.object().put("url", webhookUrl);
                ArrayNode at = out.putArray("attempts");
                for (DeliveryAttempt a : deliveryAttempts()) {
                    at.addObject().put("message_id", a.messageId()).put("url", a.url()).put("attempt", a.attempt())
                            .put("status", a.statusCode()).put("error", a.error()).put("at", a.at().toString())
                            .put("will_retry", a.willRetry());
                }
                ArrayNode evs = out.putArray("events");
                sentEvents().forEach(e -> evs.add(e.body()));
                Http.sendJson(ex, 200, out);
            }
            case "POST /_sim/webhooks" -> {
                setWebhookUrl(body.hasNonNull("url") ? body.get("url").asText() : null);
                Http.sendJson(ex, 200, Json.object().put("url", webhookUrl));
            }
            default -> {
                if (path.startsWith(orgPrefix) && path.length() > orgPrefix.length()) {
                    String id = path.substring(orgPrefix.length());
                    if (method.equals("PATCH") || method.equals("POST") || method.equals("PUT")) {
                        Http.sendJson(ex, 200, orgResponse(updateOrganization(id,
                                body.path("display_name").asText(null))));
                        return;
                    }
                    if (method.equals("DELETE")) {
                        Http.sendJson(ex, 200, orgResponse(deleteOrganization(id)));
                        return;
                    }
                    if (method.equals("GET")) {
                        ObjectNode org;
                        synchronized (this) {
                            org = organizations.get(id);
                        }
                        if (org == null) {
                            throw new java.util.NoSuchElementException("unknown organization " + id);
                        }
                        Http.sendJson(ex, 200, org);
                        return;
                    }
                }
                Http.sendJson(ex, 404, Json.object().put("error", "no dev endpoint " + method + " " + path));
            }
        }
    }

    /** The organization JSON, plus which event announced the change. */
    private static ObjectNode orgResponse(WebhookEvent ev) {
        ObjectNode org = ((ObjectNode) ev.body().get("data")).deepCopy();
        org.put("event_id", ev.id()).put("event_type", ev.type());
        return org;
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(x -> out.add(x.asText()));
        } else {
            for (String s : n.asText().split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }
}
