package dev.billbridge.api.auth;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import dev.billbridge.api.config.BillingApiConfig;
import dev.billbridge.api.error.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Cookbook seam: {@code authorizeReference(user, org, referenceId, action)}. Every endpoint calls it
 * before touching Chargebee or the cache; a denial is a 403 and nothing else happens.
 *
 * <ol>
 * <li>The reference (the billing owner) must be the caller's organization: a token for one
 * organization can never read or change another's billing.</li>
 * <li>Mutating actions need one of the configured roles or permissions
 * ({@code billing.authorization.mutation-roles}, default {@code admin}; {@code -} for none). With
 * neither configured, any member may.</li>
 * <li>Then the {@link AuthorizationHook} bean decides (the default allows).</li>
 * </ol>
 */
@ApplicationScoped
public class AuthorizeReference {

    private static final Logger LOG = Logger.getLogger(AuthorizeReference.class);

    private final Set<String> mutationRoles;
    private final Set<String> mutationPermissions;
    private final AuthorizationHook hook;

    @Inject
    public AuthorizeReference(BillingApiConfig config, AuthorizationHook hook) {
        this.mutationRoles = normalise(config.authorization().mutationRoles());
        this.mutationPermissions = normalise(config.authorization().mutationPermissions());
        this.hook = hook;
    }

    /**
     * @param organizationId the token's organization ({@code oid})
     * @param referenceId the billing reference the request names; null means the caller's organization
     * @return the reference to act on (always the caller's organization)
     * @throws ApiException 403 on denial
     */
    public String authorizeReference(Caller user, String organizationId, String referenceId, BillingAction action) {
        Caller caller = user;
        String userId = user.userId();
        String reference = referenceId == null || referenceId.isBlank() ? organizationId : referenceId;
        if (organizationId == null || !organizationId.equals(reference)) {
            LOG.infof("denied %s by user %s of %s on another reference", action, userId, organizationId);
            throw new ApiException(403, "forbidden", "You can only manage your own organization's billing");
        }
        if (action.mutating() && !(mutationRoles.isEmpty() && mutationPermissions.isEmpty())) {
            boolean allowed = caller.roles().stream().anyMatch(mutationRoles::contains)
                    || caller.permissions().stream().anyMatch(mutationPermissions::contains);
            if (!allowed) {
                throw new ApiException(403, "forbidden", "Your role in this organization cannot change billing");
            }
        }
        Optional<String> denial = hook.deny(caller, reference, action);
        if (denial.isPresent()) {
            throw new ApiException(403, "forbidden", denial.get());
        }
        return reference;
    }

    /** Convenience for the common case: the caller acts through their own token. */
    public String authorize(Caller caller, String referenceId, BillingAction action) {
        return authorizeReference(caller, caller.organizationId(), referenceId, action);
    }

    private static Set<String> normalise(List<String> values) {
        return values.stream().map(String::trim)
                .filter(v -> !v.isEmpty() && !v.equals("-") && !v.equals("*"))
                .collect(Collectors.toUnmodifiableSet());
    }
}
