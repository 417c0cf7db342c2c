package dev.billbridge.sandbox.chargebee;

import com.chargebee.Environment;
import com.chargebee.ListResult;
import com.chargebee.Result;
import com.chargebee.exceptions.InvalidRequestException;
import com.chargebee.APIException;
import com.chargebee.filters.enums.SortOrder;
import com.chargebee.models.Customer;
import com.chargebee.models.Event;
import com.chargebee.models.HostedPage;
import com.chargebee.models.ItemPrice;
import com.chargebee.models.PortalSession;
import com.chargebee.models.Subscription;
import com.chargebee.models.enums.EventType;
import com.chargebee.org.json.JSONObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real chargebee-java 3.30.0 SDK against the simulator, endpoint by endpoint. */
class ChargebeeSdkTest {

    ChargebeeSimulator sim;
    Environment env;

    @BeforeEach
    void start() {
        sim = ChargebeeSimulator.start(ChargebeeSimulator.Options.defaults().rateLimitPerMinute(0));
        env = Sdk.env(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** Creates a subscription through the hosted checkout, paying like a browser; returns its id. */
    String subscribe(String orgId, String priceId, int seats) throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, priceId)
                .subscriptionItemQuantity(0, seats).customerId(orgId).redirectUrl("https://app.test/ok")
                .cancelUrl("https://app.test/cancel").request(env).hostedPage();
        assertEquals(303, Sdk.pay(hp.url()).statusCode());
        return HostedPage.retrieve(hp.id()).request(env).hostedPage().content().subscription().id();
    }

    @Test
    void customerCreateRetrieveUpdateDelete() throws Exception {
        Customer created = Customer.create().id("org_1").company("Acme")
                .metaData(new JSONObject("{\"scalekit_org\":\"org_1\",\"n\":1}")).request(env).customer();
        assertEquals("org_1", created.id());
        assertEquals("Acme", created.company());
        assertEquals("org_1", created.metaData().getString("scalekit_org"));
        assertFalse(created.deleted());
        assertNotNull(created.createdAt());
        assertEquals(0L, created.promotionalCredits());
        assertEquals(com.chargebee.models.enums.AutoCollection.ON, created.autoCollection());

        Customer read = Customer.retrieve("org_1").request(env).customer();
        assertEquals(created.resourceVersion(), read.resourceVersion());

        Customer updated = Customer.update("org_1").company("Acme Inc").metaData(new JSONObject("{\"n\":2}"))
                .request(env).customer();
        assertEquals("Acme Inc", updated.company());
        assertEquals(2, updated.metaData().getInt("n"));
        assertTrue(updated.resourceVersion() > created.resourceVersion(), "every change bumps resource_version");

        Customer deleted = Customer.delete("org_1").request(env).customer();
        assertTrue(deleted.deleted());
        InvalidRequestException gone = assertThrows(InvalidRequestException.class,
                () -> Customer.retrieve("org_1").request(env));
        assertEquals(404, gone.httpStatusCode);
        assertEquals("resource_not_found", gone.apiErrorCode);

        List<String> types = sim.eventNodes().stream().map(e -> e.get("event_type").asText()).toList();
        assertEquals(List.of("customer_created", "customer_changed", "customer_deleted"), types);
    }

    @Test
    void duplicateCustomerIdIsDuplicateEntryOnParamId() throws Exception {
        Customer.create().id("org_dup").request(env);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> Customer.create().id("org_dup").request(env));
        assertEquals(400, e.httpStatusCode);
        assertEquals("duplicate_entry", e.apiErrorCode);
        assertEquals("id", e.param);
        assertEquals("invalid_request", e.type);
    }

    @Test
    void customerIdLongerThan50IsRejected() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> Customer.create().id("x".repeat(51)).request(env));
        assertEquals("param_wrong_value", e.apiErrorCode);
        assertEquals("id", e.param);
    }

    @Test
    void wrongApiKeyIsRejectedAndLogged() {
        APIException e = assertThrows(APIException.class,
                () -> Customer.retrieve("x").request(Sdk.env(sim, "wrong_key")));
        assertEquals(401, e.httpStatusCode);
        assertEquals("api_authentication_failed", e.apiErrorCode);
        RequestLogEntry last = sim.requestLog().get(sim.requestLog().size() - 1);
        assertEquals("unauthorized", last.outcome());
        assertEquals("/api/v2/customers/x", last.path());
    }

    @Test
    void retrieveUnknownSubscriptionIs404() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> Subscription.retrieve("nope").request(env));
        assertEquals(404, e.httpStatusCode);
        assertEquals("resource_not_found", e.apiErrorCode);
    }

    @Test
    void checkoutNewForItemsWithTrialPriceGivesInTrialAndRedirectsWithIdAndState() throws Exception {
        Customer.create().id("org_t").company("Trial Co").request(env);
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "starter-USD-monthly")
                .subscriptionItemQuantity(0, 2).subscriptionItemItemPriceId(1, "extra-seats-USD-monthly")
                .subscriptionItemQuantity(1, 5).customerId("org_t")
                .redirectUrl("https://app.test/billing/done?x=1").cancelUrl("https://app.test/c")
                .request(env).hostedPage();
        assertEquals(HostedPage.State.CREATED, hp.state());
        assertFalse(hp.embed());
        assertTrue(hp.url().startsWith(sim.baseUrl() + "/pages/"));
        assertNull(HostedPage.retrieve(hp.id()).request(env).hostedPage().content());

        HttpResponse<String> page = Sdk.get(hp.url());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<button type=\"submit\" id=\"pay\">Pay</button>"), page.body());
        assertTrue(page.body().contains("/pay\""));

        HttpResponse<String> paid = Sdk.pay(hp.url());
        assertEquals(303, paid.statusCode());
        URI location = URI.create(paid.headers().firstValue("Location").orElseThrow());
        assertEquals("/billing/done", location.getPath());
        assertEquals("x=1&id=" + hp.id() + "&state=succeeded", location.getQuery());

        HostedPage done = HostedPage.retrieve(hp.id()).request(env).hostedPage();
        assertEquals(HostedPage.State.SUCCEEDED, done.state());
        Subscription sub = done.content().subscription();
        assertEquals(Subscription.Status.IN_TRIAL, sub.status());
        assertEquals("org_t", sub.customerId());
        assertEquals(14 * 86400L, (sub.trialEnd().getTime() - sub.trialStart().getTime()) / 1000);
        assertEquals("starter-USD-monthly", sub.subscriptionItems().get(0).itemPriceId());
        assertEquals(Subscription.SubscriptionItem.ItemType.PLAN, sub.subscriptionItems().get(0).itemType());
        assertEquals(2, sub.subscriptionItems().get(0).quantity());
        assertEquals(3800L, sub.subscriptionItems().get(0).amount());
        assertEquals(Subscription.SubscriptionItem.ItemType.ADDON, sub.subscriptionItems().get(1).itemType());
        assertEquals("USD", sub.currencyCode());
        assertEquals("org_t", done.content().customer().id());

        // the page cannot be paid twice
        assertEquals(409, Sdk.pay(hp.url()).statusCode());
        List<String> types = sim.eventNodes().stream().map(e -> e.get("event_type").asText()).toList();
        assertTrue(types.contains("subscription_created"), types.toString());
        assertFalse(types.contains("payment_succeeded"), "a trial charges nothing: " + types);
    }

    @Test
    void checkoutWithoutTrialIsActiveAndCreatesTheNamedCustomerWhenMissing() throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "pro-USD-yearly")
                .customerId("org_new").redirectUrl("https://app.test/ok").request(env).hostedPage();
        assertEquals(303, Sdk.pay(hp.url()).statusCode());
        Result r = Subscription.retrieve(HostedPage.retrieve(hp.id()).request(env).hostedPage().content()
                .subscription().id()).request(env);
        assertEquals(Subscription.Status.ACTIVE, r.subscription().status());
        assertEquals(Subscription.BillingPeriodUnit.YEAR, r.subscription().billingPeriodUnit());
        assertNull(r.subscription().trialEnd());
        assertEquals("org_new", r.customer().id());
        List<String> types = sim.eventNodes().stream().map(e -> e.get("event_type").asText()).toList();
        assertEquals(List.of("customer_created", "subscription_created", "payment_succeeded"), types);
    }

    @Test
    void checkoutAcceptsOptionalSdkParametersIncludingEmptyOnes() throws Exception {
        HostedPage hp = HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "starter-USD-monthly")
                .customerId("org_x").subscriptionId("sub_chosen").customerEmail("a@b.test")
                .subscriptionTrialEnd(new java.sql.Timestamp(0)).passThruContent("{\"k\":1}")
                .billingAddressCountry("US").subscriptionItemQuantity(0, null).redirectUrl(null)
                .request(env).hostedPage();
        assertNull(sim.completeCheckout(hp.id()), "no redirect_url: nothing to redirect to");
        Subscription sub = Subscription.retrieve("sub_chosen").request(env).subscription();
        assertEquals(Subscription.Status.ACTIVE, sub.status(), "trial_end=0 means no trial");
        assertEquals("a@b.test", Customer.retrieve("org_x").request(env).customer().email());
        assertEquals("{\"k\":1}", HostedPage.retrieve(hp.id()).request(env).hostedPage().passThruContent());
    }

    @Test
    void checkoutRejectsUnknownPriceAndPlanlessItems() {
        InvalidRequestException unknown = assertThrows(InvalidRequestException.class, () ->
                HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "gold-USD-monthly")
                        .request(env));
        assertEquals("resource_not_found", unknown.apiErrorCode);
        assertEquals("subscription_items[item_price_id][0]", unknown.param);
        InvalidRequestException addonOnly = assertThrows(InvalidRequestException.class, () ->
                HostedPage.checkoutNewForItems().subscriptionItemItemPriceId(0, "extra-seats-USD-monthly")
                        .request(env));
        assertEquals("param_wrong_value", addonOnly.apiErrorCode);
    }

    @Test
    void checkoutExistingForItemsChangesThePlanOnPayment() throws Exception {
        String subId = subscribe("org_up", "pro-USD-monthly", 1);
        long before = Subscription.retrieve(subId).request(env).subscription().resourceVersion();
        HostedPage hp = HostedPage.checkoutExistingForItems().subscriptionId(subId)
                .subscriptionItemItemPriceId(0, "pro-USD-yearly").subscriptionItemQuantity(0, 4)
                .replaceItemsList(true).redirectUrl("https://app.test/ok").request(env).hostedPage();
        assertEquals(HostedPage.Type.CHECKOUT_EXISTING, hp.type());
        assertEquals("pro-USD-monthly", Subscription.retrieve(subId).request(env).subscription()
                .subscriptionItems().get(0).itemPriceId(), "nothing changes before payment");
        assertEquals(303, Sdk.pay(hp.url()).statusCode());
        Subscription after = Subscription.retrieve(subId).request(env).subscription();
        assertEquals("pro-USD-yearly", after.subscriptionItems().get(0).itemPriceId());
        assertEquals(4, after.subscriptionItems().get(0).quantity());
        assertEquals(1, after.subscriptionItems().size());
        assertTrue(after.resourceVersion() > before);
        assertEquals("subscription_changed",
                sim.eventNodes().get(sim.eventNodes().size() - 1).get("event_type").asText());
    }

    @Test
    void checkoutExistingForUnknownSubscriptionIs404() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () ->
                HostedPage.checkoutExistingForItems().subscriptionId("nope")
                        .subscriptionItemItemPriceId(0, "pro-USD-monthly").request(env));
        assertEquals(404, e.httpStatusCode);
        assertEquals("subscription[id]", e.param);
    }

    @Test
    void portalSessionHasEveryRequiredField() throws Exception {
        Customer.create().id("org_p").request(env);
        PortalSession ps = PortalSession.create().customerId("org_p").redirectUrl("https://app.test/back")
                .request(env).portalSession();
        assertEquals("org_p", ps.customerId());
        assertNotNull(ps.token());
        assertNotNull(ps.createdAt());
        assertEquals(PortalSession.Status.CREATED, ps.status());
        assertTrue(ps.accessUrl().startsWith(sim.baseUrl() + "/portal/"));
        assertEquals(200, Sdk.get(ps.accessUrl()).statusCode());
        assertEquals(PortalSession.Status.LOGGED_IN,
                PortalSession.retrieve(ps.id()).request(env).portalSession().status());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> PortalSession.create().customerId("org_missing").request(env));
        assertEquals(404, e.httpStatusCode);
    }

    @Test
    void listPagesWithNextOffsetAndFilters() throws Exception {
        Customer.create().id("org_a").request(env);
        Customer.create().id("org_b").request(env);
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            mine.add(subscribe("org_a", i % 2 == 0 ? "pro-USD-monthly" : "starter-USD-monthly", 1));
        }
        subscribe("org_b", "pro-USD-monthly", 1);

        // subscriptions for a customer, 2 per page
        List<String> seen = new ArrayList<>();
        String offset = null;
        int pages = 0;
        do {
            ListResult page = Subscription.subscriptionsForCustomer("org_a").limit(2).offset(offset).request(env);
            page.forEach(e -> seen.add(e.subscription().id()));
            offset = page.nextOffset();
            pages++;
        } while (offset != null);
        assertEquals(3, pages);
        assertEquals(mine, new HashSet<>(seen));
        assertEquals(5, seen.size(), "no entry repeats across pages");

        ListResult byCustomer = Subscription.list().customerId().is("org_b").request(env);
        assertEquals(1, byCustomer.size());
        assertEquals("org_b", byCustomer.get(0).customer().id());

        ListResult trials = Subscription.list().customerId().is("org_a")
                .status().in(Subscription.Status.IN_TRIAL).limit(10).request(env);
        assertEquals(2, trials.size());
        assertNull(trials.nextOffset());
        ListResult activeOrTrial = Subscription.list()
                .status().in(Subscription.Status.ACTIVE, Subscription.Status.IN_TRIAL).limit(100).request(env);
        assertEquals(6, activeOrTrial.size());
    }

    @Test
    void cancelForItemsEndOfTermIsNonRenewingOtherwiseCancelled() throws Exception {
        String a = subscribe("org_c", "pro-USD-monthly", 1);
        String b = subscribe("org_c", "pro-USD-monthly", 1);
        Result scheduled = Subscription.cancelForItems(a).endOfTerm(true).request(env);
        assertEquals(Subscription.Status.NON_RENEWING, scheduled.subscription().status());
        assertEquals(scheduled.subscription().currentTermEnd(), scheduled.subscription().cancelledAt());
        assertEquals("org_c", scheduled.customer().id());
        assertEquals("subscription_cancellation_scheduled", lastEventType());

        Result now = Subscription.cancelForItems(b).endOfTerm(false).request(env);
        assertEquals(Subscription.Status.CANCELLED, now.subscription().status());
        assertNotNull(now.subscription().cancelledAt());
        assertEquals("subscription_cancelled", lastEventType());

        InvalidRequestException again = assertThrows(InvalidRequestException.class,
                () -> Subscription.cancelForItems(b).request(env));
        assertEquals(409, again.httpStatusCode);
        assertEquals("invalid_state_for_request", again.apiErrorCode);
    }

    @Test
    void removeScheduledCancellationAndUpdateForItems() throws Exception {
        String id = subscribe("org_r", "pro-USD-monthly", 1);
        Subscription.cancelForItems(id).endOfTerm(true).request(env);
        Subscription back = Subscription.removeScheduledCancellation(id).request(env).subscription();
        assertEquals(Subscription.Status.ACTIVE, back.status());
        assertNull(back.cancelledAt());
        Subscription changed = Subscription.updateForItems(id).subscriptionItemItemPriceId(0, "extra-seats-USD-monthly")
                .subscriptionItemQuantity(0, 3).request(env).subscription();
        assertEquals(2, changed.subscriptionItems().size(), "without replace_items_list the add-on is merged");
        assertEquals("subscription_changed", lastEventType());
    }

    @Test
    void deletingACustomerDeletesItsSubscriptions() throws Exception {
        String id = subscribe("org_del", "pro-USD-monthly", 1);
        Customer.delete("org_del").request(env);
        assertThrows(InvalidRequestException.class, () -> Subscription.retrieve(id).request(env));
        List<String> types = sim.eventNodes().stream().map(e -> e.get("event_type").asText()).toList();
        assertEquals(List.of("subscription_deleted", "customer_deleted"), types.subList(types.size() - 2,
                types.size()));
        // the id can be used again, as in Chargebee
        assertEquals("org_del", Customer.create().id("org_del").request(env).customer().id());
    }

    @Test
    void eventsApiListsFiltersAndRetrieves() throws Exception {
        Customer.create().id("org_e1").request(env);
        Customer.create().id("org_e2").request(env);
        Customer.update("org_e1").company("E1").request(env);
        ListResult all = Event.list().request(env);
        assertEquals(3, all.size());
        assertEquals(EventType.CUSTOMER_CHANGED, all.get(0).event().eventType(), "newest first by default");
        ListResult asc = Event.list().sortByOccurredAt(SortOrder.ASC).eventType().is(EventType.CUSTOMER_CREATED)
                .request(env);
        assertEquals(2, asc.size());
        assertEquals("org_e1", asc.get(0).event().content().customer().id());
        String id = asc.get(1).event().id();
        assertEquals("org_e2", Event.retrieve(id).request(env).event().content().customer().id());
        ListResult paged = Event.list().limit(2).request(env);
        assertNotNull(paged.nextOffset());
        assertEquals(1, Event.list().limit(2).offset(paged.nextOffset()).request(env).size());
    }

    @Test
    void itemPriceCatalogIsSeeded() throws Exception {
        ListResult prices = ItemPrice.list().limit(100).request(env);
        List<String> ids = prices.stream().map(e -> e.itemPrice().id()).toList();
        assertTrue(ids.containsAll(List.of("starter-USD-monthly", "pro-USD-monthly", "pro-USD-yearly",
                "extra-seats-USD-monthly")), ids.toString());
        ItemPrice starter = ItemPrice.retrieve("starter-USD-monthly").request(env).itemPrice();
        assertEquals(14, starter.trialPeriod());
        assertEquals(1900L, starter.price());
        assertEquals(ItemPrice.PeriodUnit.MONTH, starter.periodUnit());
        assertEquals(49000L, ItemPrice.retrieve("pro-USD-yearly").request(env).itemPrice().price());
    }

    @Test
    void idempotencyKeyReplaysTheFirstResponseWithoutASecondSideEffect() throws Exception {
        Result first = Customer.create().id("org_i").setIdempotencyKey("key-1").request(env);
        Result second = Customer.create().id("org_i").setIdempotencyKey("key-1").request(env);
        assertEquals(first.customer().resourceVersion(), second.customer().resourceVersion());
        assertEquals(List.of("true"), second.getResponseHeaders().entrySet().stream()
                .filter(h -> "chargebee-idempotency-replayed".equalsIgnoreCase(h.getKey()))
                .map(java.util.Map.Entry::getValue).findFirst().orElse(null));
        assertEquals(1, sim.eventNodes().size(), "only one customer_created");
        List<String> outcomes = sim.requestLog().stream().map(RequestLogEntry::outcome).toList();
        assertEquals(List.of("ok", "replayed"), outcomes);
        assertEquals("key-1", sim.requestLog().get(1).idempotencyKey());
        // without the key, the repeat is a real second request
        assertEquals("duplicate_entry", assertThrows(InvalidRequestException.class,
                () -> Customer.create().id("org_i").request(env)).apiErrorCode);
    }

    @Test
    void requestLogRecordsFormParamsButNotTheApiKey() throws Exception {
        Customer.create().id("org_log").company("Log Co").request(env);
        RequestLogEntry e = sim.requestLog().get(0);
        assertEquals("POST", e.method());
        assertEquals("/api/v2/customers", e.path());
        assertEquals("Log Co", e.params().get("company"));
        assertEquals(200, e.status());
        assertFalse(e.toString().contains(sim.apiKey()));
        sim.clearRequestLog();
        assertTrue(sim.requestLog().isEmpty());
    }

    private String lastEventType() {
        var evs = sim.eventNodes();
        return evs.get(evs.size() - 1).get("event_type").asText();
    }
}
