package dev.billbridge.ingress.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Everything the ingress reads from configuration; see application.properties for the env var of each key. */
@ConfigMapping(prefix = "billbridge.ingress")
public interface IngressConfig {

    Scalekit scalekit();

    Chargebee chargebee();

    /** Larger bodies get 413. Also bounds what Quarkus reads for chunked requests. */
    @WithDefault("1M")
    MemorySize maxBodySize();

    /**
     * How long a request waits for the broker's acknowledgement before answering 503. Well under the
     * senders' own timeouts (Chargebee reads for 10 s, Standard Webhooks senders 15-30 s), so they see
     * our 503 instead of a timeout of their own.
     */
    @WithDefault("5s")
    Duration publishTimeout();

    /** Retry-After on 503 answers. */
    @WithDefault("5")
    int retryAfterSeconds();

    interface Scalekit {
        /** {@code whsec_<base64>} secrets; two during a rotation. Empty: every Scalekit webhook is rejected. */
        Optional<List<String>> secrets();

        /** Accepted distance between webhook-timestamp and our clock, both ways. */
        @WithDefault("300s")
        Duration tolerance();
    }

    interface Chargebee {
        Optional<String> username();

        Optional<String> password();
    }
}
