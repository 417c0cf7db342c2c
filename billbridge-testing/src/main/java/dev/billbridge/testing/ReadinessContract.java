package dev.billbridge.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;

import io.restassured.response.Response;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every service's readiness follows its real connections: UP with broker and database, DOWN
 * while either is stopped, UP again once it is back. A service test class extends this.
 */
public abstract class ReadinessContract {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void readinessFollowsTheBrokerAndTheDatabase() {
        LocalInfra infra = LocalInfra.get();
        awaitReady("UP");
        Assumptions.assumeTrue(infra.controllable(), "infrastructure reused from the environment cannot be stopped");

        infra.stopKafka();
        try {
            awaitReady("DOWN");
        } finally {
            infra.startKafka();
        }
        awaitReady("UP");

        infra.stopPostgres();
        try {
            awaitReady("DOWN");
        } finally {
            infra.startPostgres();
        }
        awaitReady("UP");
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    protected static void awaitReady(String expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            Response r = given().when().get("/q/health/ready");
            last = r.asString();
            String status = r.path("status");
            if (expected.equals(status) && (r.statusCode() == 200) == "UP".equals(expected)) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        fail("readiness did not become " + expected + " within " + WAIT + "; last: " + last);
    }
}
