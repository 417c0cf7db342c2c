package dev.billbridge.provisioning.support;

import java.util.Map;

import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * The Chargebee simulator, in the test JVM, started once for all test classes of the module (every
 * class uses the same resources, so Quarkus boots once). No rate limit by default: tests that need
 * one set it, and restore it.
 */
public class ChargebeeSimResource implements QuarkusTestResourceLifecycleManager {

    private static ChargebeeSimulator sim;

    public static synchronized ChargebeeSimulator sim() {
        if (sim == null) {
            sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
            Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
        }
        return sim;
    }

    @Override
    public Map<String, String> start() {
        ChargebeeSimulator s = sim();
        return Map.of("chargebee.api-base-url", s.apiBaseUrl(), "chargebee.site", s.site(), "chargebee.api-key", s.apiKey());
    }

    @Override
    public void stop() {
        // lives for the JVM, like the broker and database
    }
}
