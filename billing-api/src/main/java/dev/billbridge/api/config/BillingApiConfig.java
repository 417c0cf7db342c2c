package dev.billbridge.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/** billing-api settings; application.properties maps each to its environment variable. */
@ConfigMapping(prefix = "billing")
public interface BillingApiConfig {

    /** Public origin; every URL handed to Chargebee is built from it. */
    @WithName("app-url")
    String appUrl();

    /** CHARGEBEE_PLAN_ITEM_PRICE_ID: the plan of a checkout that names none. */
    @WithName("default-plan-item-price-id")
    Optional<String> defaultPlanItemPriceId();

    /** CHARGEBEE_GATEWAY_ACCOUNT_ID. */
    @WithName("gateway-account-id")
    Optional<String> gatewayAccountId();

    /** BILLING_PLANS: JSON array, see application.properties. */
    String plans();

    Redirect redirect();

    Authorization authorization();

    @WithName("token-cache")
    TokenCache tokenCache();

    interface Redirect {
        List<String> allowlist();

        @WithName("default")
        String defaultPath();
    }

    interface TokenCache {
        /** BILLING_TOKEN_CACHE_MAX_SIZE: verified tokens kept; 0 verifies every request. */
        @WithName("max-size")
        int maxSize();

        /** BILLING_TOKEN_CACHE_TTL: how long a verified token is reused (never past its exp). */
        Duration ttl();
    }

    interface Authorization {
        @WithName("mutation-roles")
        List<String> mutationRoles();

        @WithName("mutation-permissions")
        List<String> mutationPermissions();
    }
}
