package dev.billbridge.api.error;

import java.time.Duration;

import dev.billbridge.core.chargebee.ChargebeeFailure;
import org.jboss.logging.Logger;

/**
 * Turns a failed Chargebee call into an answer for the frontend. Chargebee's own message, codes and
 * parameters are logged here and never returned: they name internals (and sometimes customer data).
 */
public final class ChargebeeErrors {

    private static final Logger LOG = Logger.getLogger(ChargebeeErrors.class);
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(60);

    private ChargebeeErrors() {
    }

    public static ApiException map(String operation, Throwable t) {
        ChargebeeFailure f = ChargebeeFailure.of(t);
        LOG.warnf("Chargebee %s failed: %s %d %s: %s", operation, f.kind(), f.httpStatus(), f.apiErrorCode(), f.message());
        if ("no_applicable_gateway".equals(f.apiErrorCode())) {
            return new ApiException(409, "no_applicable_gateway",
                    "No payment gateway can take this checkout. Hint: configure a gateway for the plan's currency in"
                            + " Chargebee, or set CHARGEBEE_GATEWAY_ACCOUNT_ID to a gateway account that can.",
                    null, t);
        }
        return switch (f.kind()) {
            case RATE_LIMITED -> new ApiException(503, "billing_rate_limited",
                    "The billing provider is busy; retry later.", f.retryAfter().orElse(DEFAULT_RETRY_AFTER), t);
            case SERVER_ERROR, NETWORK -> new ApiException(502, "billing_provider_unavailable",
                    "The billing provider did not answer correctly; retry later.", null, t);
            case NOT_FOUND -> new ApiException(404, "not_found", "The billing record does not exist.", null, t);
            case DUPLICATE, CLIENT_ERROR -> "invalid_state_for_request".equals(f.apiErrorCode())
                    ? new ApiException(409, "invalid_state", "The subscription cannot do that in its current state.", null, t)
                    : new ApiException(502, "billing_provider_rejected", "The billing provider rejected the request.", null, t);
        };
    }
}
