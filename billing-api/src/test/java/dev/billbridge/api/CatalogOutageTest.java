package dev.billbridge.api;

import static dev.billbridge.api.Api.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.containsString;

import java.time.Duration;
import java.time.Instant;

import dev.billbridge.testing.InfraTestResource;
import dev.billbridge.testing.LocalInfra;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Reads fail closed: with the database down, /api/plans, list and entitlements are 503s, never made-up answers. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class CatalogOutageTest {

    @Test
    void plansAre503WhileTheDatabaseIsDown() throws InterruptedException {
        LocalInfra infra = LocalInfra.get();
        Assumptions.assumeTrue(infra.controllable(), "infrastructure reused from the environment cannot be stopped");
        String token = Tokens.member(Tokens.newOrg());
        as(token).get("/api/plans").then().statusCode(200);
        infra.stopPostgres();
        try {
            as(token).get("/api/plans").then().statusCode(503).body("error", equalTo("catalog_unavailable"))
                    .body(not(containsString("Exception"))).body(not(containsString("jdbc")));
            // the cache reads fail closed too, with the JSON error and a hint to retry
            for (String path : new String[] {"/api/subscription/list", "/api/entitlements"}) {
                as(token).get(path).then().statusCode(503).header("Retry-After", notNullValue())
                        .body("error", equalTo("database_unavailable")).body(not(containsString("jdbc")));
            }
        } finally {
            infra.startPostgres();
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (as(token).get("/api/plans").statusCode() != 200) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the catalog did not come back after the database restarted");
            }
            Thread.sleep(200);
        }
    }
}
