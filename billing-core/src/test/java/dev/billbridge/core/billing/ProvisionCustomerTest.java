package dev.billbridge.core.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.chargebee.APIException;
import com.chargebee.models.Customer;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.sandbox.chargebee.ChargebeeSimulator;
import dev.billbridge.sandbox.chargebee.RequestLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seam against the Chargebee simulator, through the real SDK. No Quarkus: it is a plain bean. */
class ProvisionCustomerTest {

    static ChargebeeSimulator sim;
    static ChargebeeGateway gateway;
    static ProvisionCustomer provision;

    @BeforeAll
    static void start() {
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        gateway = new ChargebeeGateway(sim.site(), sim.apiKey(), Optional.of(sim.apiBaseUrl()));
        provision = new ProvisionCustomer(gateway);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void clean() {
        sim.clearFaults();
        sim.clearRequestLog();
    }

    static String orgId() {
        return "org_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    @Test
    void createsTheCustomerUnderTheOrganizationIdWithCompanyMetaDataAndIdempotencyKey() {
        String org = orgId();
        Customer c = provision.ensure(org, "Acme", Map.of("region", "US"), "evt_1" + org);

        assertEquals(org, c.id());
        assertEquals("Acme", c.company());
        JSONObject meta = c.metaData();
        assertEquals(org, meta.getString("organizationId"));
        assertEquals("organization", meta.getString("customerType"));
        assertEquals("US", meta.getString("region"));

        List<RequestLogEntry> posts = posts(org);
        assertEquals(1, posts.size());
        assertEquals("evt_1" + org, posts.get(0).idempotencyKey());
    }

    @Test
    void extraMetaDataCannotOverrideTheIdentityKeys() {
        String org = orgId();
        Customer c = provision.ensure(org, "Acme", Map.of("organizationId", "org_other", "customerType", "person"), null);
        assertEquals(org, c.metaData().getString("organizationId"));
        assertEquals("organization", c.metaData().getString("customerType"));
        assertEquals(null, posts(org).get(0).idempotencyKey());
    }

    @Test
    void anExistingCustomerIsLinkedAndItsFieldsBroughtUpToDateWithoutDroppingForeignMetaData() throws Exception {
        String org = orgId();
        // created first by someone else, with a stale company and meta_data of their own
        Customer.create().id(org).company("Old name").metaData(new JSONObject(Map.of("source", "checkout")))
                .request(gateway.env());

        Customer c = provision.ensure(org, "New name", null, "evt_2" + org);

        assertEquals(org, c.id());
        assertEquals("New name", c.company());
        assertEquals("checkout", c.metaData().getString("source"));
        assertEquals(org, c.metaData().getString("organizationId"));
        assertEquals("organization", c.metaData().getString("customerType"));
        assertEquals(1, customersWithId(org), "linked, not duplicated");
        List<RequestLogEntry> posts = posts(org);
        // the create (duplicate_entry), then the update under a key derived from the caller's
        assertEquals(2, posts.stream().filter(p -> p.idempotencyKey() != null).count());
        assertTrue(posts.stream().anyMatch(p -> p.status() == 400), "the create was refused as a duplicate");
        assertTrue(posts.stream().anyMatch(p -> p.path().equals("/api/v2/customers/" + org) && p.status() == 200
                && ("evt_2" + org + ":link").equals(p.idempotencyKey())));
    }

    @Test
    void anUpToDateExistingCustomerIsLinkedWithoutAnUpdate() {
        String org = orgId();
        provision.ensure(org, "Acme", null, null);
        sim.clearRequestLog();

        Customer c = provision.ensure(org, "Acme", null, null);

        assertEquals("Acme", c.company());
        List<RequestLogEntry> posts = posts(org);
        assertEquals(1, posts.size(), "only the refused create: " + posts);
        assertEquals(400, posts.get(0).status());
    }

    @Test
    void theSameIdempotencyKeyTwiceIsReplayedNotRepeated() {
        String org = orgId();
        provision.ensure(org, "Acme", null, "evt_same" + org);
        Customer again = provision.ensure(org, "Acme", null, "evt_same" + org);

        assertEquals(org, again.id());
        assertEquals(1, customersWithId(org));
        assertTrue(sim.requestLog().stream().anyMatch(e -> "replayed".equals(e.outcome())
                && ("evt_same" + org).equals(e.idempotencyKey())));
    }

    @Test
    void updateCompanyUpdatesAnExistingCustomer() {
        String org = orgId();
        provision.ensure(org, "Acme", null, null);

        Customer c = provision.updateCompany(org, "Acme Inc", "evt_u" + org);

        assertEquals("Acme Inc", c.company());
        assertEquals(org, c.metaData().getString("organizationId"), "meta_data kept");
    }

    @Test
    void updateCompanyCreatesAMissedCustomer() {
        String org = orgId();

        Customer c = provision.updateCompany(org, "Late Co", "evt_m" + org);

        assertEquals(org, c.id());
        assertEquals("Late Co", c.company());
        assertEquals("organization", c.metaData().getString("customerType"));
        assertEquals(1, customersWithId(org));
    }

    @Test
    void failuresSurfaceAsSdkExceptionsThatClassify() {
        String org = orgId();
        sim.failNext(1, 429);
        Exception limited = assertThrows(APIException.class, () -> provision.ensure(org, "Acme", null, null));
        assertEquals(ChargebeeFailure.Kind.RATE_LIMITED, ChargebeeFailure.of(limited).kind());

        sim.failNext(1, 503);
        Exception server = assertThrows(RuntimeException.class, () -> provision.ensure(org, "Acme", null, null));
        assertEquals(ChargebeeFailure.Kind.SERVER_ERROR, ChargebeeFailure.of(server).kind());

        APIException missing = assertThrows(APIException.class, () -> provision.retrieve(org));
        assertEquals(ChargebeeFailure.Kind.NOT_FOUND, ChargebeeFailure.of(missing).kind());

        assertThrows(IllegalArgumentException.class, () -> provision.ensure("x".repeat(51), "Acme", null, null));
    }

    @Test
    void aCallPolicyWrapsEveryHttpRequest() {
        String org = orgId();
        provision.ensure(org, "Old", null, null);
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ProvisionCustomer counted = new ProvisionCustomer(gateway, new ProvisionCustomer.CallPolicy() {
            @Override
            public <T> T call(java.util.concurrent.Callable<T> sdkCall) throws Exception {
                calls.incrementAndGet();
                return sdkCall.call();
            }
        });

        counted.ensure(org, "New", null, null);

        assertEquals(3, calls.get(), "create (duplicate), retrieve, update");
    }

    @Test
    void networkFailuresClassifyAsNetwork() {
        ChargebeeGateway nowhere = new ChargebeeGateway("s", "k", Optional.of("http://127.0.0.1:1/api/v2"));
        Exception e = assertThrows(RuntimeException.class, () -> new ProvisionCustomer(nowhere).ensure(orgId(), "A", null, null));
        assertEquals(ChargebeeFailure.Kind.NETWORK, ChargebeeFailure.of(e).kind());
    }

    private static List<RequestLogEntry> posts(String org) {
        return sim.requestLog().stream()
                .filter(e -> e.method().equals("POST") && (org.equals(e.params().get("id")) || e.path().endsWith("/" + org)))
                .toList();
    }

    private static long customersWithId(String org) {
        var customers = sim.snapshot().get("customers");
        long n = 0;
        for (var c : customers) {
            if (c.get("id").asText().equals(org)) {
                n++;
            }
        }
        return n;
    }
}
