package dev.billbridge.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Hands a {@code @QuarkusTest} the real broker and database. The infrastructure lives for the
 * whole test JVM (see {@link LocalInfra}), so Quarkus restarts between test classes cost no broker
 * restart; {@link #stop()} therefore leaves it running.
 */
public class InfraTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return LocalInfra.get().quarkusConfig();
    }

    @Override
    public void stop() {
        // the JVM's shutdown hook stops the infrastructure once, after the last test class
    }
}
