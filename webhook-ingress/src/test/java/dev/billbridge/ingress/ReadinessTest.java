package dev.billbridge.ingress;

import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.ReadinessContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ReadinessTest extends ReadinessContract {
}
