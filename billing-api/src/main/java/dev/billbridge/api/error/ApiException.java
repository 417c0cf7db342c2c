package dev.billbridge.api.error;

import java.time.Duration;

/**
 * A failure with a status code and a message that is safe to show to the caller. Everything the
 * API answers with an error status goes through this (or through {@link ErrorMappers}).
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String error;
    private final Duration retryAfter;

    public ApiException(int status, String error, String message) {
        this(status, error, message, null, null);
    }

    public ApiException(int status, String error, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.error = error;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException conflict(String error, String message) {
        return new ApiException(409, error, message);
    }
}
