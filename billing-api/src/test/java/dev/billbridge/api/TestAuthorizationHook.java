package dev.billbridge.api;

import java.util.Optional;

import dev.billbridge.api.auth.AuthorizationHook;
import dev.billbridge.api.auth.BillingAction;
import dev.billbridge.api.auth.Caller;
import jakarta.enterprise.context.ApplicationScoped;

/** Replaces the default allow-all hook in tests: denies mutations for organizations with a marker prefix. */
@ApplicationScoped
public class TestAuthorizationHook implements AuthorizationHook {

    static final String DENIED_PREFIX = "org_suspended_";
    static final String REASON = "This organization is suspended";

    @Override
    public Optional<String> deny(Caller caller, String referenceId, BillingAction action) {
        return referenceId.startsWith(DENIED_PREFIX) && action.mutating() ? Optional.of(REASON) : Optional.empty();
    }
}
