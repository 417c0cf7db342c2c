package dev.billbridge.core.chargebee;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.chargebee.APIException;

/**
 * What a failed Chargebee call means for the caller: retry later, retry soon, or give up. Workers
 * use it to choose between backing off and the dead-letter topic; the API to choose a status code.
 */
public record ChargebeeFailure(Kind kind, int httpStatus, String apiErrorCode, String message, Optional<Duration> retryAfter) {

    public enum Kind {
        /** 429: the site's rate limit. Always retry; never drop. */
        RATE_LIMITED,
        /** 5xx: Chargebee's side. Bounded retries. */
        SERVER_ERROR,
        /** Connection refused, timeout, broken response. Bounded retries. */
        NETWORK,
        /** 404 resource_not_found. */
        NOT_FOUND,
        /** 400 duplicate_entry: what we tried to create exists. */
        DUPLICATE,
        /** Any other 4xx: retrying cannot help. */
        CLIENT_ERROR
    }

    public boolean retryable() {
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER_ERROR || kind == Kind.NETWORK;
    }

    public static ChargebeeFailure of(Throwable t) {
        Throwable cause = t;
        while (cause != null) {
            if (cause instanceof APIException api) {
                return fromApi(api);
            }
            if (cause instanceof IOException io) {
                return new ChargebeeFailure(Kind.NETWORK, 0, null, io.getClass().getSimpleName() + ": " + io.getMessage(), Optional.empty());
            }
            cause = cause.getCause();
        }
        // The SDK surfaces an unparseable error body as a plain RuntimeException: treat as the server's fault.
        return new ChargebeeFailure(Kind.SERVER_ERROR, 0, null, String.valueOf(t.getMessage()), Optional.empty());
    }

    private static ChargebeeFailure fromApi(APIException e) {
        int status = e.httpStatusCode;
        String code = e.apiErrorCode;
        Kind kind;
        if (status == 429 || "api_request_limit_exceeded".equals(code)) {
            kind = Kind.RATE_LIMITED;
        } else if (status >= 500) {
            kind = Kind.SERVER_ERROR;
        } else if (status == 404 || "resource_not_found".equals(code)) {
            kind = Kind.NOT_FOUND;
        } else if ("duplicate_entry".equals(code)) {
            kind = Kind.DUPLICATE;
        } else {
            kind = Kind.CLIENT_ERROR;
        }
        return new ChargebeeFailure(kind, status, code, e.getMessage(), retryAfter(e.headers));
    }

    /** Chargebee documents no Retry-After, but honour one when it comes (seconds form only). */
    static Optional<Duration> retryAfter(Map<String, List<String>> headers) {
        if (headers == null) {
            return Optional.empty();
        }
        for (var entry : headers.entrySet()) {
            if (entry.getKey() != null && entry.getKey().equalsIgnoreCase("Retry-After") && !entry.getValue().isEmpty()) {
                try {
                    long seconds = Long.parseLong(entry.getValue().get(0).trim());
                    return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
                } catch (NumberFormatException ignored) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
