package dev.billbridge.provisioning.support;

import java.util.Collection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.ProcessedEvent;
import dev.billbridge.core.events.EventHeaders;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** Reads the worker's effects: rows in Postgres, customers and requests in the Chargebee simulator. */
public final class Checks {

    public static final String CONSUMER = "provisioning-worker";

    private Checks() {
    }

    public static ChargebeeSimulator sim() {
        return ChargebeeSimResource.sim();
    }

    public static Organization org(String id) {
        return QuarkusTransaction.requiringNew().call(() -> Organization.<Organization>findById(id));
    }

    public static long processed(String eventId) {
        return QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.count(
                "source = ?1 and eventId = ?2 and consumer = ?3", EventHeaders.SOURCE_SCALEKIT, eventId, CONSUMER));
    }

    public static long processedAll(Collection<String> eventIds) {
        return QuarkusTransaction.requiringNew().call(() -> ProcessedEvent.count(
                "source = ?1 and eventId in ?2 and consumer = ?3", EventHeaders.SOURCE_SCALEKIT, eventIds, CONSUMER));
    }

    public static long orgRows(Collection<String> orgIds) {
        return QuarkusTransaction.requiringNew().call(() -> Organization.count("id in ?1", orgIds));
    }

    public static long linkedOrgs(Collection<String> orgIds) {
        return QuarkusTransaction.requiringNew().call(() -> Organization.count("id in ?1 and chargebeeCustomerId = id", orgIds));
    }

    /** customer_created events the simulator emitted for this id: more than one would be a duplicate. */
    public static long customersCreated(String orgId) {
        return sim().eventNodes().stream()
                .filter(n -> "customer_created".equals(n.path("event_type").asText()))
                .filter(n -> orgId.equals(n.path("content").path("customer").path("id").asText()))
                .count();
    }

    /** The simulator's current customer, or null. */
    public static JsonNode customer(String orgId) {
        for (JsonNode c : sim().snapshot().path("customers")) {
            if (orgId.equals(c.path("id").asText()) && !c.path("deleted").asBoolean()) {
                return c;
            }
        }
        return null;
    }

    /** Non-replayed successful POST /customers with this id. */
    public static long successfulCreates(String orgId) {
        return sim().requestLog().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/api/v2/customers"))
                .filter(r -> orgId.equals(r.params().get("id")) && r.status() == 200 && "ok".equals(r.outcome()))
                .count();
    }
}
