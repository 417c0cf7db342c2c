package dev.billbridge.core.billing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

import com.chargebee.APIException;
import com.chargebee.Result;
import com.chargebee.internal.HttpUtil;
import com.chargebee.internal.Request;
import com.chargebee.models.Customer;
import com.chargebee.org.json.JSONObject;
import dev.billbridge.core.chargebee.ChargebeeFailure;
import dev.billbridge.core.chargebee.ChargebeeGateway;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

/**
 * Cookbook seam: "ensure the Chargebee customer of an organization". The customer's id IS the
 * organization id, so whichever path creates it first (the provisioning worker on
 * {@code organization.created}, or billing-api's checkout), the other one finds it: duplicates are
 * impossible by construction, and {@code duplicate_entry} just means "link the existing one".
 *
 * <p>Pure Chargebee: no database, no Kafka, no retries of its own (a caller may plug a {@link CallPolicy}). Failures are thrown as the SDK's
 * {@link APIException}s, and network failures as {@link UncheckedIOException} (wrapping the SDK's
 * {@link IOException}), so callers classify them with {@link ChargebeeFailure#of(Throwable)} and
 * choose their own retry policy.
 */
@ApplicationScoped
public class ProvisionCustomer {

    public static final String META_ORGANIZATION_ID = "organizationId";
    public static final String META_CUSTOMER_TYPE = "customerType";
    public static final String CUSTOMER_TYPE_ORGANIZATION = "organization";

    /**
     * Wraps every HTTP call this seam makes (one per request, so a retry resends exactly that request
     * with its idempotency key, and a rate limiter counts each request). A service that wants retries
     * or a client-side rate limit provides one bean of this type; without one, calls go straight out.
     */
    public interface CallPolicy {
        <T> T call(Callable<T> sdkCall) throws Exception;
    }

    private static final CallPolicy DIRECT = new CallPolicy() {
        @Override
        public <T> T call(Callable<T> sdkCall) throws Exception {
            return sdkCall.call();
        }
    };

    private final ChargebeeGateway gateway;
    private final CallPolicy policy;

    @Inject
    public ProvisionCustomer(ChargebeeGateway gateway, Instance<CallPolicy> policies) {
        this(gateway, policies.isResolvable() ? policies.get() : DIRECT);
    }

    public ProvisionCustomer(ChargebeeGateway gateway) {
        this(gateway, DIRECT);
    }

    public ProvisionCustomer(ChargebeeGateway gateway, CallPolicy policy) {
        this.gateway = gateway;
        this.policy = policy;
    }

    /**
     * Creates the customer {@code organizationId}, or links the existing one.
     *
     * @param displayName    becomes {@code company}
     * @param extraMetaData  merged into {@code meta_data}; may be null. It cannot override
     *                       {@code organizationId} or {@code customerType}: those identify the tenant.
     * @param idempotencyKey sent as {@code chargebee-idempotency-key} on every POST when not null
     *                       (a derived key on the follow-up update, since it is a different request)
     * @return the customer as Chargebee has it after this call
     */
    public Customer ensure(String organizationId, String displayName, Map<String, Object> extraMetaData,
                           String idempotencyKey) {
        requireId(organizationId);
        JSONObject wanted = metaData(organizationId, extraMetaData);
        Customer.CreateRequest create = Customer.create().id(organizationId).metaData(wanted);
        if (displayName != null) {
            create.company(displayName);
        }
        try {
            return send(create, idempotencyKey).customer();
        } catch (APIException e) {
            if (ChargebeeFailure.of(e).kind() != ChargebeeFailure.Kind.DUPLICATE) {
                throw e;
            }
        }
        // Someone (the other path, or an earlier attempt of ours) created it: link it, and bring the
        // fields we own up to date without dropping meta_data keys that others added.
        Customer existing = retrieve(organizationId);
        JSONObject merged = mergeInto(existing.metaData(), wanted);
        boolean companyDiffers = displayName != null && !displayName.equals(existing.company());
        boolean metaDiffers = !merged.similar(existing.metaData() == null ? new JSONObject() : existing.metaData());
        if (!companyDiffers && !metaDiffers) {
            return existing;
        }
        Customer.UpdateRequest update = Customer.update(organizationId).metaData(merged);
        if (companyDiffers) {
            update.company(displayName);
        }
        return send(update, derived(idempotencyKey, "link")).customer();
    }

    /**
     * Sets {@code company} of the organization's customer; creates the customer (as
     * {@link #ensure} does) if it was missed, i.e. Chargebee answers 404.
     */
    public Customer updateCompany(String organizationId, String displayName, String idempotencyKey) {
        requireId(organizationId);
        try {
            return send(Customer.update(organizationId).company(displayName), idempotencyKey).customer();
        } catch (APIException e) {
            if (ChargebeeFailure.of(e).kind() != ChargebeeFailure.Kind.NOT_FOUND) {
                throw e;
            }
        }
        // A different request from the update: it must not replay the cached 404 under the same key.
        return ensure(organizationId, displayName, null, derived(idempotencyKey, "create"));
    }

    /** The customer, or the SDK's 404 {@code APIException} if there is none. */
    public Customer retrieve(String organizationId) {
        requireId(organizationId);
        return send(Customer.retrieve(organizationId), null).customer();
    }

    /** {@code {organizationId, customerType: "organization"}} merged with the extras (identity keys win). */
    public static JSONObject metaData(String organizationId, Map<String, Object> extraMetaData) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (extraMetaData != null) {
            m.putAll(extraMetaData);
        }
        m.put(META_ORGANIZATION_ID, organizationId);
        m.put(META_CUSTOMER_TYPE, CUSTOMER_TYPE_ORGANIZATION);
        return new JSONObject(m);
    }

    private static JSONObject mergeInto(JSONObject existing, JSONObject wanted) {
        JSONObject out = existing == null ? new JSONObject() : new JSONObject(existing.toString());
        for (String k : wanted.keySet()) {
            out.put(k, wanted.get(k));
        }
        return out;
    }

    private Result send(Request<?> request, String idempotencyKey) {
        if (idempotencyKey != null && request.httpMeth() == HttpUtil.Method.POST) {
            request.setIdempotencyKey(idempotencyKey);
        }
        try {
            return policy.call(() -> request.request(gateway.env()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String derived(String idempotencyKey, String suffix) {
        return idempotencyKey == null ? null : idempotencyKey + ":" + suffix;
    }

    private static void requireId(String organizationId) {
        Objects.requireNonNull(organizationId, "organizationId");
        if (organizationId.isBlank() || organizationId.length() > 50) {
            // Chargebee customer ids are at most 50 characters; fail here rather than as a 400 later
            throw new IllegalArgumentException("organization id must be 1..50 characters: " + organizationId);
        }
    }
}
