package dev.billbridge.sandbox.scalekit;

import com.fasterxml.jackson.databind.JsonNode;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import dev.billbridge.sandbox.TestReceiver;
import dev.billbridge.sandbox.support.DeliveryAttempt;
import dev.billbridge.sandbox.support.Json;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalekitSimulatorTest {

    ScalekitSimulator sim;
    TestReceiver receiver;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        receiver = new TestReceiver();
        sim = ScalekitSimulator.start(ScalekitSimulator.Options.defaults().webhookUrl(receiver.url("/scalekit"))
                .webhookRetryScale(0.002));
    }

    @AfterEach
    void stop() {
        sim.close();
        receiver.close();
    }

    /** Verifies like a resource server: RS256 only, issuer, audience, exp; keys fetched from the served JWKS. */
    JwtClaims verify(String token) throws InvalidJwtException {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(new HttpsJwks(sim.jwksUrl())))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256)
                .setExpectedIssuer(sim.envUrl()).setExpectedAudience(sim.clientId()).setRequireExpirationTime()
                .setRequireSubject().build();
        return consumer.processToClaims(token);
    }

    static Map<String, List<String>> headers(TestReceiver.Received r) {
        Map<String, List<String>> h = new HashMap<>();
        for (String name : List.of("webhook-id", "webhook-timestamp", "webhook-signature")) {
            h.put(name, List.of(r.header(name)));
        }
        return h;
    }

    @Test
    void organizationWebhooksVerifyWithStandardWebhooksAndFailWhenAnyByteChanges() throws Exception {
        WebhookEvent ev = sim.createOrganization("Acme");
        assertTrue(ev.organizationId().matches("org_\\d+"), ev.organizationId());
        TestReceiver.Received r = receiver.await(x -> true, 1).get(0);
        assertEquals(ev.payload(), r.body(), "the exact signed bytes arrive");
        assertEquals(ev.id(), r.header("webhook-id"));
        assertTrue(r.header("webhook-signature").startsWith("v1,"));

        Webhook wh = new Webhook(sim.webhookSecret());
        assertDoesNotThrow(() -> wh.verify(r.body(), r.headers()));

        byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < body.length; i++) {
            byte[] tampered = body.clone();
            tampered[i] ^= 0x01;
            String t = new String(tampered, StandardCharsets.UTF_8);
            assertThrows(WebhookVerificationException.class, () -> wh.verify(t, headers(r)), "body byte " + i);
        }
        for (String name : List.of("webhook-id", "webhook-signature")) {
            String v = r.header(name);
            for (int i = name.equals("webhook-signature") ? 3 : 0; i < v.length(); i++) {
                char[] cs = v.toCharArray();
                cs[i] = cs[i] == 'A' ? 'B' : 'A';
                Map<String, List<String>> h = headers(r);
                h.put(name, List.of(new String(cs)));
                assertThrows(WebhookVerificationException.class, () -> wh.verify(r.body(), h), name + " " + i);
            }
        }
        Map<String, List<String>> shifted = headers(r);
        shifted.put("webhook-timestamp", List.of(String.valueOf(Long.parseLong(r.header("webhook-timestamp")) + 1)));
        assertThrows(WebhookVerificationException.class, () -> wh.verify(r.body(), shifted));
        assertThrows(WebhookVerificationException.class,
                () -> new Webhook(ScalekitSimulator.generateSecret()).verify(r.body(), headers(r)), "other secret");
    }

    @Test
    void eventBodiesHaveTheScalekitShape() {
        WebhookEvent created = sim.createOrganization("Acme", "ext-1");
        WebhookEvent updated = sim.updateOrganization(created.organizationId(), "Acme Inc");
        WebhookEvent deleted = sim.deleteOrganization(created.organizationId());
        JsonNode c = created.body();
        assertEquals("1", c.get("spec_version").asText());
        assertTrue(c.get("id").asText().startsWith("evt_"));
        assertEquals("organization.created", c.get("type").asText());
        assertEquals("Organization", c.get("object").asText());
        assertEquals(sim.environmentId(), c.get("environment_id").asText());
        assertEquals(created.organizationId(), c.get("organization_id").asText());
        assertEquals("Organization Created", c.get("display_name").asText(), "top-level display_name names the event");
        assertEquals("Acme", c.at("/data/display_name").asText());
        assertEquals("ext-1", c.at("/data/external_id").asText());
        assertTrue(c.at("/data/settings/features").isArray());
        assertEquals("organization.updated", updated.type());
        assertEquals("Acme Inc", updated.body().at("/data/display_name").asText());
        assertEquals("organization.deleted", deleted.type());
        assertFalse(deleted.body().at("/data/deleted_at").asText().isEmpty());
        assertTrue(sim.organizations().isEmpty());
        List<TestReceiver.Received> got = receiver.await(x -> true, 3);
        assertEquals(List.of(created.id(), updated.id(), deleted.id()),
                got.stream().map(x -> x.header("webhook-id")).toList(), "sent in order");
    }

    @Test
    void non2xxIsRetriedWithAFreshValidSignatureAndTheSameId() throws Exception {
        receiver.respondWith(500, 404);
        WebhookEvent ev = sim.createOrganization("Retry Co");
        List<TestReceiver.Received> got = receiver.await(x -> true, 3);
        assertTrue(sim.awaitWebhooksIdle(Duration.ofSeconds(5)));
        Webhook wh = new Webhook(sim.webhookSecret());
        for (TestReceiver.Received r : got) {
            assertEquals(ev.id(), r.header("webhook-id"));
            wh.verify(r.body(), r.headers());
        }
        List<DeliveryAttempt> attempts = sim.deliveryAttempts();
        assertEquals(List.of(500, 404, 200), attempts.stream().map(DeliveryAttempt::statusCode).toList());
        assertEquals(List.of(true, true, false), attempts.stream().map(DeliveryAttempt::willRetry).toList());
    }

    @Test
    void tokensVerifyAgainstTheServedJwksWithTheExpectedClaims() throws Exception {
        String token = sim.mintToken(TokenRequest.of("usr_1", "org_42").withRoles("admin", "billing")
                .withPermissions("billing:read"));
        JwtClaims claims = verify(token);
        assertEquals("usr_1", claims.getSubject());
        assertEquals("org_42", claims.getStringClaimValue("oid"));
        assertEquals(List.of("admin", "billing"), claims.getStringListClaimValue("roles"));
        assertEquals(List.of("billing:read"), claims.getStringListClaimValue("permissions"));
        assertEquals(sim.envUrl(), claims.getIssuer());
        assertEquals(List.of("skc_sandbox"), claims.getAudience());
        assertTrue(claims.getExpirationTime().getValue() > claims.getIssuedAt().getValue());

        JwtClaims noOrg = verify(sim.mintToken(TokenRequest.of("usr_2", null)));
        assertFalse(noOrg.hasClaim("oid"), "a null oid omits the claim");

        InvalidJwtException expired = assertThrows(InvalidJwtException.class,
                () -> verify(sim.mintToken(TokenRequest.of("usr_3", "org_1").withTtl(Duration.ofMinutes(-5)))));
        assertTrue(expired.hasExpired());
        assertThrows(InvalidJwtException.class,
                () -> verify(sim.mintToken(TokenRequest.of("usr_4", "org_1").withAudience("other-api"))));
        String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
        assertThrows(InvalidJwtException.class, () -> verify(tampered));
    }

    @Test
    void tokensStopVerifyingAfterTheirKeyRotatesOut() throws Exception {
        String kid1 = sim.currentKeyId();
        String old = sim.mintToken(TokenRequest.of("usr_1", "org_1"));
        String kid2 = sim.rotateKey();
        assertNotEquals(kid1, kid2);
        String fresh = sim.mintToken(TokenRequest.of("usr_1", "org_1"));
        assertDoesNotThrow(() -> verify(old), "the previous key is still published right after a rotation");
        assertDoesNotThrow(() -> verify(fresh));
        assertTrue(sim.jwksJson().contains(kid1) && sim.jwksJson().contains(kid2));

        sim.rotateKey();
        assertFalse(sim.jwksJson().contains(kid1));
        assertThrows(InvalidJwtException.class, () -> verify(old), "two rotations later the key is gone");
        assertDoesNotThrow(() -> verify(fresh));
        sim.retireOldKeys();
        assertThrows(InvalidJwtException.class, () -> verify(fresh));
    }

    @Test
    void discoveryAndDevEndpoints() throws Exception {
        JsonNode disco = getJson("/.well-known/openid-configuration");
        assertEquals(sim.envUrl(), disco.get("issuer").asText());
        assertEquals(sim.envUrl() + "/keys", disco.get("jwks_uri").asText());
        assertTrue(getJson("/keys").get("keys").get(0).has("n"));
        assertFalse(getJson("/keys").get("keys").get(0).has("d"), "private parts are never served");

        JsonNode tok = post("POST", "/_sim/tokens",
                "{\"sub\":\"usr_9\",\"oid\":\"org_9\",\"roles\":[\"admin\"],\"permissions\":[\"p\"],\"ttlSeconds\":60}");
        JwtClaims claims = verify(tok.get("access_token").asText());
        assertEquals("org_9", claims.getStringClaimValue("oid"));
        assertEquals(List.of("admin"), claims.getStringListClaimValue("roles"));

        JsonNode org = post("POST", "/_sim/organizations", "{\"display_name\":\"Http Co\"}");
        String id = org.get("id").asText();
        assertTrue(id.matches("org_\\d+"));
        assertEquals("Http Co 2", post("PATCH", "/_sim/organizations/" + id, "{\"display_name\":\"Http Co 2\"}")
                .get("display_name").asText());
        assertFalse(post("DELETE", "/_sim/organizations/" + id, "").get("deleted_at").asText().isEmpty());
        receiver.await(x -> true, 3);
        JsonNode hooks = getJson("/_sim/webhooks");
        List<String> types = new ArrayList<>();
        hooks.get("events").forEach(e -> types.add(e.get("type").asText()));
        assertEquals(List.of("organization.created", "organization.updated", "organization.deleted"), types);

        HttpResponse<String> missing = HTTP.send(HttpRequest.newBuilder(URI.create(sim.envUrl()
                + "/_sim/organizations/" + id)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());

        String before = sim.currentKeyId();
        assertNotEquals(before, post("POST", "/_sim/rotate-key", "").get("kid").asText());
        assertEquals(sim.webhookSecret(), getJson("/_sim/webhook-secret").get("secret").asText());
        assertNull(sim.organizations().stream().filter(o -> o.get("id").asText().equals(id)).findAny().orElse(null));
    }

    JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(sim.envUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.parse(r.body());
    }

    JsonNode post(String method, String path, String json) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(sim.envUrl() + path))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
        return Json.parse(r.body());
    }
}
