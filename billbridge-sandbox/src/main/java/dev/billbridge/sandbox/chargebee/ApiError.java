package dev.billbridge.sandbox.chargebee;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.billbridge.sandbox.support.Json;

/** A Chargebee API error; its body carries every field the SDK reads (it throws a plain RuntimeException otherwise). */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String code;
    final String param;

    ApiError(int status, String type, String code, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static ApiError notFound(String what, String id, String param) {
        return new ApiError(404, "invalid_request", "resource_not_found", param,
                "Sorry, we couldn't find that resource: " + what + " " + id);
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request", "param_wrong_value", param, message);
    }

    static ApiError invalidState(String message) {
        return new ApiError(409, "invalid_request", "invalid_state_for_request", null, message);
    }

    static ApiError duplicate(String param, String value) {
        return new ApiError(400, "invalid_request", "duplicate_entry", param,
                "The value " + value + " is already present.");
    }

    static ApiError authFailed() {
        return new ApiError(401, null, "api_authentication_failed", null,
                "Sorry, authentication failed. Invalid api key");
    }

    static ApiError rateLimited() {
        return new ApiError(429, null, "api_request_limit_exceeded", null,
                "Sorry, access has been blocked temporarily due to request count exceeding acceptable limits."
                        + " Please try after some time.");
    }

    static ApiError serverError(int status) {
        String code = status == 503 ? "internal_temporary_error" : status == 504 ? "gateway_timeout" : "internal_error";
        return new ApiError(status, null, code, null,
                "Sorry, something went wrong when trying to process the request (simulated " + status + ").");
    }

    ObjectNode body() {
        ObjectNode n = Json.object();
        n.put("message", getMessage());
        n.put("type", type);
        n.put("api_error_code", code);
        n.put("param", param);
        n.put("error_code", code);
        n.put("error_msg", getMessage());
        n.put("error_param", param);
        n.put("http_status_code", status);
        return n;
    }
}
