package dev.billbridge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Plan;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionItem;
import dev.billbridge.testing.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Quarkus booting at all proves Flyway applied the migrations to an empty database and Hibernate
 * validated every entity against them ({@code schema-management.strategy=validate}).
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class SchemaTest {

    @Inject
    DataSource dataSource;

    @Test
    void migrationsAppliedToTheRealDatabase() throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select version from flyway_schema_history where success order by installed_rank");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        assertTrue(versions.contains("1"), "V1 applied: " + versions);
        try (Connection c = dataSource.getConnection()) {
            assertEquals("PostgreSQL", c.getMetaData().getDatabaseProductName());
        }
    }

    @Test
    void databaseRejectsASecondLiveSubscriptionForTheSameOrganization() {
        String org = "org_" + UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> newSubscription(org, "active").persist());

        RuntimeException e = assertThrows(RuntimeException.class,
                () -> QuarkusTransaction.requiringNew().run(() -> newSubscription(org, "future").persist()));
        assertTrue(rootMessage(e).contains("subscription_one_live_per_reference"), rootMessage(e));

        // a finished subscription does not count as live, so history can pile up beside the live one
        QuarkusTransaction.requiringNew().run(() -> newSubscription(org, "cancelled").persist());
        long rows = QuarkusTransaction.requiringNew().call(() -> Subscription.count("referenceId", org));
        assertEquals(2, rows);
    }

    @Test
    void entitiesRoundTripThroughPostgres() {
        String org = "org_" + UUID.randomUUID();
        UUID id = QuarkusTransaction.requiringNew().call(() -> {
            Organization o = new Organization();
            o.id = org;
            o.displayName = "Acme";
            o.chargebeeCustomerId = org;
            o.persist();
            Subscription s = newSubscription(org, "in_trial");
            s.metadata = "{\"source\":\"test\"}";
            SubscriptionItem item = new SubscriptionItem();
            item.subscription = s;
            item.itemPriceId = "pro-USD-monthly";
            item.itemType = "plan";
            item.quantity = 3;
            item.unitPrice = 4900L;
            item.amount = 14700L;
            s.items.add(item);
            s.persist();
            ProcessedEvent.record("test", "ev_" + org, "schema-test");
            Plan p = new Plan();
            p.itemPriceId = "plan-" + org;
            p.name = "Pro";
            p.limits = "{\"seats\":10}";
            p.persist();
            return s.id;
        });
        QuarkusTransaction.requiringNew().run(() -> {
            Subscription s = Subscription.findById(id);
            assertEquals(1, s.items.size());
            assertEquals(14700L, s.items.get(0).amount);
            assertTrue(s.metadata.contains("\"source\""));
            assertTrue(ProcessedEvent.seen("test", "ev_" + org, "schema-test"));
            assertTrue(Organization.byCustomerId(org).isPresent());
        });
        // the message log's key makes a second record of the same event fail
        assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew()
                .run(() -> ProcessedEvent.record("test", "ev_" + org, "schema-test")));
    }

    private static Subscription newSubscription(String org, String status) {
        Subscription s = new Subscription();
        s.referenceId = org;
        s.status = status;
        return s;
    }

    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        while (t != null) {
            sb.append(t.getMessage()).append(" | ");
            t = t.getCause();
        }
        return sb.toString();
    }
}
