package dev.billbridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.chargebee.exceptions.InvalidRequestException;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.api.error.ApiException;
import dev.billbridge.api.error.ChargebeeErrors;
import org.junit.jupiter.api.Test;

/** Chargebee's failures as the frontend sees them (plain unit test; the simulator cannot refuse a gateway). */
class ChargebeeErrorsTest {

    static InvalidRequestException error(int status, String code, Map<String, List<String>> headers) {
        JSONObject body = new JSONObject().put("message", "internal detail cust_123 param xyz").put("type", "invalid_request")
                .put("api_error_code", code).put("error_code", code).put("error_msg", "internal detail")
                .put("http_status_code", status);
        return new InvalidRequestException(status, body.toString(), body, headers);
    }

    @Test
    void noApplicableGatewayIsAConflictWithAHint() {
        ApiException e = ChargebeeErrors.map("checkout", error(400, "no_applicable_gateway", Map.of()));
        assertEquals(409, e.status());
        assertEquals("no_applicable_gateway", e.error());
        assertTrue(e.getMessage().contains("CHARGEBEE_GATEWAY_ACCOUNT_ID"));
        assertFalse(e.getMessage().contains("cust_123"));
    }

    @Test
    void rateLimitIs503WithRetryAfter() {
        ApiException e = ChargebeeErrors.map("x", error(429, "api_request_limit_exceeded", Map.of("Retry-After", List.of("7"))));
        assertEquals(503, e.status());
        assertEquals(7, e.retryAfter().toSeconds());
        ApiException noHeader = ChargebeeErrors.map("x", error(429, "api_request_limit_exceeded", Map.of()));
        assertEquals(503, noHeader.status());
        assertTrue(noHeader.retryAfter().toSeconds() > 0);
    }

    @Test
    void serverErrorsAndNetworkFailuresAre502() {
        assertEquals(502, ChargebeeErrors.map("x", error(500, "internal_error", Map.of())).status());
        assertEquals(502, ChargebeeErrors.map("x", new RuntimeException(new IOException("connect refused"))).status());
        assertEquals(409, ChargebeeErrors.map("x", error(409, "invalid_state_for_request", Map.of())).status());
        ApiException other = ChargebeeErrors.map("x", error(400, "param_wrong_value", Map.of()));
        assertEquals(502, other.status());
        assertFalse(other.getMessage().contains("internal detail"));
    }
}
