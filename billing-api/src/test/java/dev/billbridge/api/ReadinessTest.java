package dev.billbridge.api;

import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.ReadinessContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class ReadinessTest extends ReadinessContract {
}
