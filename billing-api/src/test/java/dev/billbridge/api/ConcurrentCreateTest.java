package dev.billbridge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.billbridge.core.domain.Subscription;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.RepeatedTest;

/** Two creates at the same moment: the partial unique index lets one future row in; the other is a 409. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(SimulatorsTestResource.class)
class ConcurrentCreateTest {

    @RepeatedTest(3)
    void twoConcurrentCreatesGiveOneRowAndOneConflict() throws Exception {
        String org = Tokens.newOrg();
        String token = Tokens.admin(org);
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return Api.create(token, "{\"seats\":2,\"successUrl\":\"/billing\"}").statusCode();
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : results) {
                statuses.add(f.get(60, TimeUnit.SECONDS));
            }
            statuses.sort(Integer::compare);
            assertEquals(List.of(200, 409), statuses);
        } finally {
            pool.shutdownNow();
        }
        long rows = QuarkusTransaction.requiringNew().call(() -> Subscription.count("referenceId", org));
        long future = QuarkusTransaction.requiringNew().call(() -> Subscription.count("referenceId = ?1 and status = 'future'", org));
        assertEquals(1, rows);
        assertEquals(1, future);
    }
}
