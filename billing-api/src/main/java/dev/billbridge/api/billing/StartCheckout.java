package dev.billbridge.api.billing;

import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.chargebee.models.Customer;
import com.chargebee.models.HostedPage;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.api.auth.Caller;
import dev.billbridge.api.config.BillingApiConfig;
import dev.billbridge.api.error.ApiException;
import dev.billbridge.api.error.ChargebeeErrors;
import dev.billbridge.core.billing.ProvisionCustomer;
import dev.billbridge.core.billing.ReconcileSubscription;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import dev.billbridge.core.domain.Organization;
import dev.billbridge.core.domain.Plan;
import dev.billbridge.core.domain.Subscription;
import dev.billbridge.core.domain.SubscriptionStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Cookbook seam: start a hosted checkout for an organization (POST /api/subscription/create).
 *
 * <ol>
 * <li>409 if the organization already has a live subscription. Two concurrent creates can both pass
 * this read; the partial unique index {@code subscription_one_live_per_reference} then lets exactly
 * one {@code future} row in, and the other create answers 409 too.</li>
 * <li>Ensure the Chargebee customer (id = organization id) through {@link ProvisionCustomer}.</li>
 * <li>Insert the {@code future} row (committed before Chargebee hears of the checkout, so the webhook
 * or the eager sync always finds it).</li>
 * <li>Stamp {@code pendingSubscriptionId}, {@code pendingReferenceId}, {@code organizationId} and
 * {@code userId} on the customer's meta_data: {@link ReconcileSubscription} links the paid
 * subscription to our row through them.</li>
 * <li>{@code checkout_new_for_items}: seats as quantity; the plan's trial unless the organization has
 * had one; the gateway pin; redirect_url = this service's success route carrying our row id.</li>
 * </ol>
 * If a Chargebee step after the insert fails, the row is removed again so the caller can retry.
 */
@ApplicationScoped
public class StartCheckout {

    private static final Logger LOG = Logger.getLogger(StartCheckout.class);

    public static final String META_PENDING_REFERENCE_ID = "pendingReferenceId";
    public static final String META_USER_ID = "userId";
    public static final int MAX_SEATS = 10_000;

    private record Prepared(Plan plan, boolean trialUsed, String displayName) {
    }

    /** What the frontend gets: open {@code url} in the browser. */
    public record Checkout(String mode, String url, UUID subscriptionId) {
    }

    @Inject
    ProvisionCustomer provisionCustomer;
    @Inject
    ChargebeeGateway chargebee;
    @Inject
    PlanCatalog catalog;
    @Inject
    SafeUrls urls;
    @Inject
    BillingApiConfig config;
    @Inject
    SubscriptionBilling billing;

    /** A pending checkout older than this no longer blocks a new one (the payer walked away). */
    @ConfigProperty(name = "billing.checkout.pending-timeout", defaultValue = "PT30M")
    Duration pendingTimeout;

    public Checkout start(Caller caller, String organizationId, String itemPriceId, Integer seats,
                          String successUrl, String cancelUrl) {
        String priceId = itemPriceId != null && !itemPriceId.isBlank() ? itemPriceId.trim()
                : catalog.defaultPlanId().orElseThrow(() -> ApiException.badRequest("itemPriceId is required"));
        int quantity = seats == null ? 1 : seats;
        if (quantity < 1 || quantity > MAX_SEATS) {
            throw ApiException.badRequest("seats must be between 1 and " + MAX_SEATS);
        }
        String success = SafeUrls.relativePath(successUrl)
                .orElseThrow(() -> ApiException.badRequest("successUrl must be a relative path such as /billing"));
        String cancel = cancelUrl == null ? urls.defaultPath() : SafeUrls.relativePath(cancelUrl)
                .orElseThrow(() -> ApiException.badRequest("cancelUrl must be a relative path such as /billing"));

        Prepared prep = QuarkusTransaction.requiringNew().call(() -> {
            Plan plan = catalog.find(priceId).filter(p -> p.active)
                    .orElseThrow(() -> ApiException.badRequest("Unknown plan " + priceId));
            Optional<Subscription> live = Subscription.liveFor(organizationId);
            if (live.isPresent() && !supersede(live.get())) {
                throw alreadySubscribed();
            }
            boolean trialUsed = Subscription.count("referenceId = ?1 and trialStart is not null", organizationId) > 0;
            String name = Organization.<Organization>findByIdOptional(organizationId).map(o -> o.displayName).orElse(null);
            return new Prepared(plan, trialUsed, name);
        });

        UUID rowId = UUID.randomUUID();
        Customer customer;
        try {
            customer = provisionCustomer.ensure(organizationId, prep.displayName(), null, "checkout-" + rowId + "-customer");
        } catch (RuntimeException e) {
            throw ChargebeeErrors.map("ensure customer", e);
        }

        insertFutureRow(rowId, organizationId, priceId, quantity, caller.userId());
        try {
            stamp(customer, organizationId, rowId, caller.userId());
            HostedPage page = checkout(organizationId, rowId, prep, quantity, priceId, success, cancel);
            LOG.infof("checkout %s started for %s (%s x%d)", rowId, organizationId, priceId, quantity);
            return new Checkout("hosted", page.url(), rowId);
        } catch (RuntimeException e) {
            removeFutureRow(rowId);
            throw e instanceof ApiException api ? api : ChargebeeErrors.map("start checkout", e);
        }
    }

    /**
     * A pending checkout (future, never linked to Chargebee) older than the timeout is abandoned: it
     * gives up the live slot. Anything else live blocks a new checkout.
     */
    private boolean supersede(Subscription live) {
        boolean pending = SubscriptionStatus.FUTURE.wire().equals(live.status) && live.chargebeeSubscriptionId == null;
        if (pending && live.createdAt != null && live.createdAt.isBefore(Instant.now().minus(pendingTimeout))) {
            LOG.infof("pending checkout %s of %s abandoned after %s; superseded", live.id, live.referenceId, pendingTimeout);
            live.status = SubscriptionStatus.CANCELLED.wire();
            Subscription.getEntityManager().flush();
            return true;
        }
        return false;
    }

    private void insertFutureRow(UUID rowId, String organizationId, String priceId, int quantity, String userId) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                Subscription row = new Subscription();
                row.id = rowId;
                row.referenceId = organizationId;
                row.chargebeeCustomerId = organizationId;
                row.status = SubscriptionStatus.FUTURE.wire();
                row.itemPriceId = priceId;
                row.seats = quantity;
                row.metadata = new JSONObject().put(META_USER_ID, userId).put("checkout", "hosted").toString();
                row.persist();
            });
        } catch (RuntimeException e) {
            if (uniqueViolation(e)) {
                // the concurrent create won the live slot
                throw alreadySubscribed();
            }
            throw e;
        }
    }

    private void removeFutureRow(UUID rowId) {
        try {
            QuarkusTransaction.requiringNew().run(() -> Subscription.delete(
                    "id = ?1 and status = ?2 and chargebeeSubscriptionId is null", rowId, SubscriptionStatus.FUTURE.wire()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "could not remove pending checkout %s after a failed checkout", rowId);
        }
    }

    private void stamp(Customer customer, String organizationId, UUID rowId, String userId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        JSONObject existing = customer.metaData();
        if (existing != null) {
            existing.keySet().forEach(k -> meta.put(k, existing.get(k)));
        }
        meta.put(ReconcileSubscription.META_PENDING_SUBSCRIPTION_ID, rowId.toString());
        meta.put(META_PENDING_REFERENCE_ID, organizationId);
        meta.put(ReconcileSubscription.META_ORGANIZATION_ID, organizationId);
        meta.put(META_USER_ID, userId);
        try {
            Customer.update(organizationId).metaData(new JSONObject(meta))
                    .setIdempotencyKey("checkout-" + rowId + "-stamp").request(chargebee.env());
        } catch (Exception e) {
            throw ChargebeeErrors.map("stamp customer", e);
        }
    }

    private HostedPage checkout(String organizationId, UUID rowId, Prepared prep, int quantity, String priceId,
                                String success, String cancel) {
        Plan plan = prep.plan();
        boolean trialUsed = prep.trialUsed();
        String redirect = billing.successRoute(rowId, success);
        HostedPage.CheckoutNewForItemsRequest req = HostedPage.checkoutNewForItems()
                .subscriptionItemItemPriceId(0, priceId)
                .subscriptionItemQuantity(0, quantity)
                .customerId(organizationId)
                .redirectUrl(redirect)
                .cancelUrl(urls.absolute(cancel));
        int trialDays = plan.trialDays == null ? 0 : plan.trialDays;
        // our plan table decides the trial, not the item price's default; one trial per organization
        req.subscriptionTrialEnd(trialDays > 0 && !trialUsed
                ? Timestamp.from(Instant.now().plus(Duration.ofDays(trialDays)))
                : new Timestamp(0));
        config.gatewayAccountId().map(String::trim).filter(s -> !s.isEmpty()).ifPresent(req::cardGatewayAccountId);
        req.setIdempotencyKey("checkout-" + rowId + "-page");
        try {
            return req.request(chargebee.env()).hostedPage();
        } catch (Exception e) {
            throw ChargebeeErrors.map("checkout_new_for_items", e);
        }
    }

    static ApiException alreadySubscribed() {
        return ApiException.conflict("subscription_exists",
                "This organization already has a subscription (or a checkout in progress); change it instead.");
    }

    static boolean uniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException cv && cv.getSQLState() != null
                    && cv.getSQLState().equals("23505")) {
                return true;
            }
        }
        return false;
    }
}
