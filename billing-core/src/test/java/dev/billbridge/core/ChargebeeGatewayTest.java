package dev.billbridge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import com.chargebee.Environment;
import com.chargebee.models.Customer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real chargebee-java SDK, pointed by the gateway at a base URL of our choosing. */
class ChargebeeGatewayTest {

    record Seen(String method, String path, String authorization, String contentType, Map<String, String> form) {
    }

    HttpServer server;
    AtomicReference<Seen> seen = new AtomicReference<>();
    volatile int status = 200;
    volatile String body;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void customerCreateGoesToTheConfiguredBaseUrlWithBasicAuthAndAFormBody() throws Exception {
        body = """
                {"customer":{"id":"org_42","company":"Acme","auto_collection":"on","net_term_days":0,
                 "allow_direct_debit":false,"created_at":1700000000,"promotional_credits":0,"unbilled_charges":0,
                 "refundable_credits":0,"excess_payments":0,"deleted":false,"object":"customer",
                 "meta_data":{"organizationId":"org_42"}}}""";
        Environment env = ChargebeeGateway.environment("acme-test", "key_123", baseUrl() + "/api/v2/");

        Customer c = Customer.create().id("org_42").company("Acme & Co")
                .metaData(new com.chargebee.org.json.JSONObject(Map.of("organizationId", "org_42")))
                .request(env).customer();

        assertEquals("org_42", c.id());
        Seen s = seen.get();
        assertEquals("POST", s.method());
        assertEquals("/api/v2/customers", s.path());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("key_123:".getBytes(StandardCharsets.UTF_8)), s.authorization());
        assertTrue(s.contentType().startsWith("application/x-www-form-urlencoded"), s.contentType());
        assertEquals("org_42", s.form().get("id"));
        assertEquals("Acme & Co", s.form().get("company"));
        assertEquals("{\"organizationId\":\"org_42\"}", s.form().get("meta_data"));
        assertEquals(5_000, env.connectTimeout);
        assertEquals(15_000, env.readTimeout);
        assertFalse(env.toString().contains("key_123"), "the API key must not reach logs via toString");
    }

    @Test
    void aRateLimitIsClassifiedAsRetryableWithItsRetryAfter() {
        status = 429;
        body = """
                {"message":"Sorry, access has been blocked temporarily due to request count exceeding acceptable limits.",
                 "type":"invalid_request","api_error_code":"api_request_limit_exceeded","param":null,
                 "error_code":"api_request_limit_exceeded","error_msg":"limit","error_param":null,"http_status_code":429}""";
        Environment env = ChargebeeGateway.environment("acme-test", "key_123", baseUrl() + "/api/v2");
        Exception e = assertThrows(Exception.class, () -> Customer.retrieve("org_1").request(env));
        ChargebeeFailure f = ChargebeeFailure.of(e);
        assertEquals(ChargebeeFailure.Kind.RATE_LIMITED, f.kind());
        assertTrue(f.retryable());
        assertEquals(7, f.retryAfter().orElseThrow().getSeconds());
        assertEquals("GET", seen.get().method());
        assertEquals("/api/v2/customers/org_1", seen.get().path());
    }

    @Test
    void defaultsToTheSitesOwnUrlAndRefusesMissingSettings() {
        assertEquals("https://acme-test.chargebee.com/api/v2", ChargebeeGateway.environment("acme-test", "k", null).apiBaseUrl());
        assertThrows(IllegalArgumentException.class, () -> ChargebeeGateway.environment("acme-test", " ", null));
        assertThrows(IllegalArgumentException.class, () -> ChargebeeGateway.environment(null, "k", null));
    }

    private String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String raw = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> form = new HashMap<>();
        if (!raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        seen.set(new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                ex.getRequestHeaders().getFirst("Authorization"), String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")), form));
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json;charset=utf-8");
        if (status == 429) {
            ex.getResponseHeaders().add("Retry-After", "7");
        }
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }
}
