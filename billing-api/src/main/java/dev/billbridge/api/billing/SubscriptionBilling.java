package dev.billbridge.api.billing;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.chargebee.ListResult;
import com.chargebee.Result;
import com.chargebee.models.HostedPage;
import com.chargebee.models.PortalSession;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.api.config.BillingApiConfig;
import dev.billbridge.api.error.ApiException;
import dev.billbridge.api.error.ChargebeeErrors;
import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Plan change, cancel, portal and the eager sync after checkout. Chargebee is called outside any
 * database transaction; what it answers is written through {@link ReconcileSubscription}, the same
 * rule (lookup order, resource_version ordering) the sync-worker applies to webhooks, so the eager
 * path and the webhook path can arrive in either order.
 */
@ApplicationScoped
public class SubscriptionBilling {

    private static final Logger LOG = Logger.getLogger(SubscriptionBilling.class);

    @Inject
    ChargebeeGateway chargebee;
    @Inject
    ReconcileSubscription reconcile;
    @Inject
    PlanCatalog catalog;
    @Inject
    SafeUrls urls;
    @Inject
    BillingApiConfig config;

    /** The organization's live subscriptions that exist in Chargebee (pending checkouts are not listed). */
    private List<Subscription> live(String organizationId) {
        return Subscription.list("referenceId = ?1 and status in ?2 and chargebeeSubscriptionId is not null",
                organizationId, SubscriptionStatus.liveWire());
    }

    private Subscription requireLinkedLive(String organizationId) {
        return QuarkusTransaction.requiringNew().call(() -> live(organizationId).stream().findFirst()
                .orElseThrow(() -> ApiException.notFound("This organization has no subscription")));
    }

    /** {@code checkout_existing_for_items} for the live subscription; returns the hosted page URL. */
    public String changePlan(String organizationId, String itemPriceId, Integer seats, String successUrl) {
        Subscription row = requireLinkedLive(organizationId);
        String priceId = itemPriceId == null || itemPriceId.isBlank() ? row.itemPriceId : itemPriceId.trim();
        QuarkusTransaction.requiringNew().run(() -> catalog.find(priceId).filter(p -> p.active)
                .orElseThrow(() -> ApiException.badRequest("Unknown plan " + priceId)));
        int quantity = seats != null ? seats : row.seats != null ? row.seats : 1;
        if (quantity < 1 || quantity > StartCheckout.MAX_SEATS) {
            throw ApiException.badRequest("seats must be between 1 and " + StartCheckout.MAX_SEATS);
        }
        String success = successUrl == null ? urls.defaultPath() : SafeUrls.relativePath(successUrl)
                .orElseThrow(() -> ApiException.badRequest("successUrl must be a relative path such as /billing"));
        HostedPage.CheckoutExistingForItemsRequest req = HostedPage.checkoutExistingForItems()
                .subscriptionId(row.chargebeeSubscriptionId)
                .subscriptionItemItemPriceId(0, priceId)
                .subscriptionItemQuantity(0, quantity)
                .replaceItemsList(true)
                .redirectUrl(successRoute(row.id, success));
        config.gatewayAccountId().map(String::trim).filter(s -> !s.isEmpty()).ifPresent(req::cardGatewayAccountId);
        try {
            return req.request(chargebee.env()).hostedPage().url();
        } catch (Exception e) {
            throw ChargebeeErrors.map("checkout_existing_for_items", e);
        }
    }

    /** {@code cancel_for_items}; the answer is applied to the local row at once. */
    public Subscription cancel(String organizationId, boolean endOfTerm) {
        Subscription row = requireLinkedLive(organizationId);
        Result result;
        try {
            result = com.chargebee.models.Subscription.cancelForItems(row.chargebeeSubscriptionId).endOfTerm(endOfTerm)
                    .request(chargebee.env());
        } catch (Exception e) {
            throw ChargebeeErrors.map("cancel_for_items", e);
        }
        JSONObject sub = result.subscription().jsonObj;
        JSONObject customer = result.customer() == null ? null : result.customer().jsonObj;
        return QuarkusTransaction.requiringNew().call(() -> {
            ReconcileSubscription.Outcome o = reconcile.apply(sub, customer);
            return Subscription.<Subscription>findById(o.subscriptionId());
        });
    }

    /** A portal session for the organization's customer; returns its access_url. */
    public String portal(String organizationId, String returnUrl) {
        String back = returnUrl == null ? urls.defaultPath() : SafeUrls.relativePath(returnUrl)
                .orElseThrow(() -> ApiException.badRequest("returnUrl must be a relative path such as /billing"));
        try {
            return PortalSession.create().customerId(organizationId).redirectUrl(urls.absolute(back))
                    .request(chargebee.env()).portalSession().accessUrl();
        } catch (Exception e) {
            throw ChargebeeErrors.map("portal_sessions", e);
        }
    }

    /**
     * Eager sync after a hosted checkout: the linked Chargebee subscription, else the customer's
     * subscriptions (the one just paid is among them; the customer's meta_data links it to our row).
     * Best effort: on failure the webhook path still converges, so the caller redirects anyway.
     */
    public void eagerSync(Subscription row) {
        List<JSONObject[]> snapshots = new ArrayList<>();
        try {
            if (row.chargebeeSubscriptionId != null) {
                Result r = com.chargebee.models.Subscription.retrieve(row.chargebeeSubscriptionId).request(chargebee.env());
                snapshots.add(new JSONObject[] {r.subscription().jsonObj, r.customer() == null ? null : r.customer().jsonObj});
            } else {
                ListResult list = com.chargebee.models.Subscription.list().customerId().is(row.referenceId).limit(20)
                        .request(chargebee.env());
                for (ListResult.Entry e : list) {
                    snapshots.add(new JSONObject[] {e.subscription().jsonObj, e.customer() == null ? null : e.customer().jsonObj});
                }
                // Chargebee lists newest first; apply oldest first so the newest ends up holding the live slot
                Collections.reverse(snapshots);
            }
        } catch (Exception e) {
            LOG.warnf("eager sync of %s skipped: %s", row.id, describe(e));
            return;
        }
        if (snapshots.isEmpty()) {
            return;
        }
        QuarkusTransaction.requiringNew().run(() -> {
            var known = new java.util.HashMap<String, Subscription>();
            for (JSONObject[] s : snapshots) {
                ReconcileSubscription.Outcome o = reconcile.apply(s[0], s[1], known);
                LOG.debugf("eager sync %s: %s -> %s (%s)", o.chargebeeSubscriptionId(), o.previousStatus(), o.newStatus(), o.lookup());
            }
        });
    }

    private static String describe(Exception e) {
        var f = dev.billbridge.core.chargebee.ChargebeeFailure.of(e);
        return f.kind() + " " + f.httpStatus() + " " + f.apiErrorCode();
    }

    public Optional<Subscription> find(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> Subscription.findByIdOptional(id));
    }

    String successRoute(UUID rowId, String callbackPath) {
        return urls.absolute("/api/subscription/success?subscriptionId=" + rowId
                + "&callbackURL=" + URLEncoder.encode(callbackPath, StandardCharsets.UTF_8));
    }
}
