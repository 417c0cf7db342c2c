package dev.billbridge.provisioning.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Tuning of the worker's Chargebee calls and database waits (see application.properties). */
@ConfigMapping(prefix = "provisioning")
public interface ProvisioningConfig {

    Chargebee chargebee();

    Database database();

    interface Chargebee {
        /** The one client-side limit for every Chargebee request this process makes. */
        @WithDefault("150")
        int rateLimitPerMinute();

        /** Retries after a 5xx or a network failure/timeout, before the record goes to the DLQ. */
        @WithDefault("5")
        int maxRetries();

        /** First delay of the exponential backoff for 5xx/network failures. */
        @WithDefault("1s")
        Duration retryDelay();

        @WithDefault("30s")
        Duration maxRetryDelay();

        /** Backoff for a 429 without Retry-After starts here and doubles up to {@link #rateLimitedMaxDelay()}. */
        @WithDefault("2s")
        Duration rateLimitedDelay();

        @WithDefault("60s")
        Duration rateLimitedMaxDelay();
    }

    interface Database {
        /** While the database is unreachable the worker waits (and so stops consuming), retrying from here... */
        @WithDefault("200ms")
        Duration retryDelay();

        /** ...doubling up to this. There is no limit on the number of attempts: nothing is dropped. */
        @WithDefault("5s")
        Duration maxRetryDelay();
    }
}
