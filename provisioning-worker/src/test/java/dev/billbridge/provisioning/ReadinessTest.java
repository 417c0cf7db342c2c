package dev.billbridge.provisioning;

import dev.billbridge.provisioning.support.ChargebeeSimResource;
import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.ReadinessContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(ChargebeeSimResource.class)
class ReadinessTest extends ReadinessContract {
}
