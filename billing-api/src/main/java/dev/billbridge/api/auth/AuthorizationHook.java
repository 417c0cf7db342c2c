package dev.billbridge.api.auth;

import java.util.Optional;

/**
 * Product code's veto over billing actions, run last by {@link AuthorizeReference} (after the
 * organization and role checks, before any Chargebee call). Provide an {@code @ApplicationScoped}
 * bean implementing this to replace the default, which allows everything; e.g. to deny checkouts for
 * a delinquent or suspended organization without touching billing code.
 */
public interface AuthorizationHook {

    /**
     * @return empty to allow, or the reason for a denial (shown to the caller with a 403)
     */
    Optional<String> deny(Caller caller, String referenceId, BillingAction action);
}
